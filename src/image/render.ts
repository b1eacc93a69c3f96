import {
  blockSampleWidth,
  type PlannedOutput,
  planOutputs,
  workingWidth,
} from '../recipe/plan-outputs.ts';
import type { Recipe } from '../recipe/recipe.ts';
import { keepsAnimation, renderAnimatedOutput } from './animation.ts';
import { decodeSource } from './decode.ts';
import { downscaleRaw } from './downscale-raw.ts';
import { readSourceMetadata, type SourceMetadata } from './embedded-metadata.ts';
import { encode, fromRaw } from './encode.ts';
import { inspectImage } from './inspect.ts';
import type { Limits } from './limits.ts';
import { perceptualHash } from './perceptual-hash.ts';
import { blockMeans, enlargeBlocks } from './pixelate.ts';
import { type Placeholders, placeholdersOf } from './placeholders.ts';
import { deriveSmallCopy } from './small-copy.ts';
import { contentTypeOf, type ImageInfo, type RawImage } from './types.ts';

/** One encoded output, ready to be written. */
export interface RenderedOutput {
  name: string;
  format: PlannedOutput['format'];
  contentType: string;
  width: number;
  height: number;
  data: Buffer;
  /** Time from the working buffer to this output's bytes (outputs are encoded together). */
  encodeMs: number;
}

export interface RenderResult {
  info: ImageInfo;
  /** Camera, embedded blocks, animation: read from the bytes, never decoded again. */
  metadata: SourceMetadata;
  placeholders: Placeholders;
  /** DCT hash of the picture, 16 hex digits: equal or close for near-duplicates. */
  perceptualHash: string;
  /** What libvips and the metadata readers warned about; the outputs were still made. */
  warnings: string[];
  outputs: RenderedOutput[];
  timingsMs: { inspect: number; decode: number; describe: number; encode: number };
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

  const decodedSource = await decodeSource(
    key,
    bytes,
    info,
    workingWidth(plan, info.width),
    limits,
  );
  const { animation, still: working } = decodedSource;
  const sampled = await downscaleRaw(working, blockSampleWidth(plan, working.width));
  const decoded = performance.now();

  // Placeholders and the perceptual hash come from one small copy of the working buffer.
  const small = await deriveSmallCopy(working);
  const [metadata, placeholders, hash] = await Promise.all([
    readSourceMetadata(bytes, { includeGpsPosition: recipe.record?.includeGpsPosition ?? false }),
    placeholdersOf(small),
    perceptualHash(small),
  ]);
  const described = performance.now();

  const outputs = await Promise.all(
    plan.map((output) =>
      animation && keepsAnimation(output.format)
        ? renderAnimatedOutput(output, animation, info, described)
        : renderOutput(output, output.grid ? sampled : working, info, recipe, described),
    ),
  );
  return {
    info,
    metadata,
    placeholders,
    perceptualHash: hash,
    warnings: [
      ...decodedSource.warnings.map((warning) => `${warning.check}: ${warning.detail}`),
      ...metadata.warnings,
    ],
    outputs,
    timingsMs: {
      inspect: Math.round(inspected - started),
      decode: Math.round(decoded - inspected),
      describe: Math.round(described - decoded),
      encode: Math.round(performance.now() - described),
    },
  };
}

/** `source` is the working copy, or for pixelations the smaller copy their means come from. */
async function renderOutput(
  output: PlannedOutput,
  source: RawImage,
  info: ImageInfo,
  recipe: Recipe,
  started: number,
): Promise<RenderedOutput> {
  const pipeline = output.grid
    ? enlargeBlocks(
        blockMeans(source, output.grid, info.width, info.height),
        output.grid,
        info.width,
        info.height,
      )
    : fromRaw(source).resize({ width: output.width, height: output.height, fit: 'fill' });

  const data = await encode(pipeline, {
    format: output.format,
    quality: output.spec.quality,
    background: recipe.background,
    pixels: output.width * output.height,
  });
  return {
    name: output.name,
    format: output.format,
    contentType: contentTypeOf[output.format],
    width: output.width,
    height: output.height,
    data,
    // LIMITATION: outputs are encoded at once on libvips' shared threads, so each figure is
    // the time until that output was ready, not its own CPU cost; `npm run bench` measures that.
    encodeMs: Math.round(performance.now() - started),
  };
}
