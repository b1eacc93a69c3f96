import { type PlannedOutput, planOutputs, workingWidth } from '../recipe/plan-outputs.ts';
import type { Recipe } from '../recipe/recipe.ts';
import { keepsAnimation, renderAnimatedOutput } from './animation.ts';
import { decodeSource } from './decode.ts';
import { encode, fromRaw } from './encode.ts';
import { inspectImage } from './inspect.ts';
import type { Limits } from './limits.ts';
import { blockMeans, enlargeBlocks } from './pixelate.ts';
import { contentTypeOf, type ImageInfo, type RawImage } from './types.ts';

/** One encoded output, ready to be written. */
export interface RenderedOutput {
  name: string;
  format: PlannedOutput['format'];
  contentType: string;
  width: number;
  height: number;
  data: Buffer;
}

export interface RenderResult {
  info: ImageInfo;
  outputs: RenderedOutput[];
  timingsMs: { inspect: number; decode: number; encode: number };
}

/**
 * Turns the bytes of one image into every output of `recipe`: inspect the header, plan,
 * decode once at the size the largest output needs, then derive every output from that
 * one buffer. Pure: no storage, no network.
 *
 * @example
 * const { info, outputs } = await renderImage('photos/cat.jpg', bytes, defaultRecipe, defaultLimits);
 * @throws {RejectionError} when the bytes are not an image that can be processed.
 */
export async function renderImage(
  key: string,
  bytes: Buffer,
  recipe: Recipe,
  limits: Limits,
): Promise<RenderResult> {
  const started = performance.now();
  const info = await inspectImage(key, bytes, limits);
  const plan = planOutputs(recipe, info.width, info.height);
  const inspected = performance.now();

  const working = await decodeSource(key, bytes, info, workingWidth(plan, info.width), limits);
  const decoded = performance.now();

  const { animation, still, warnings } = working;
  const outputs = await Promise.all(
    plan.map((output) =>
      animation && keepsAnimation(output.format)
        ? renderAnimatedOutput(output, animation, info)
        : renderOutput(output, still, info, recipe),
    ),
  );
  return {
    info: warnings.length > 0 ? { ...info, warnings } : info,
    outputs,
    timingsMs: {
      inspect: Math.round(inspected - started),
      decode: Math.round(decoded - inspected),
      encode: Math.round(performance.now() - decoded),
    },
  };
}

async function renderOutput(
  output: PlannedOutput,
  working: RawImage,
  info: ImageInfo,
  recipe: Recipe,
): Promise<RenderedOutput> {
  const pipeline = output.grid
    ? enlargeBlocks(
        blockMeans(working, output.grid, info.width, info.height),
        output.grid,
        info.width,
        info.height,
      )
    : fromRaw(working).resize({ width: output.width, height: output.height, fit: 'fill' });

  const data = await encode(pipeline, {
    format: output.format,
    quality: output.spec.quality,
    background: recipe.background,
  });
  return {
    name: output.name,
    format: output.format,
    contentType: contentTypeOf[output.format],
    width: output.width,
    height: output.height,
    data,
  };
}
