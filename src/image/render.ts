import { type PlannedOutput, planOutputs, workingWidth } from '../recipe/plan-outputs.ts';
import type { OutputSpec, Recipe } from '../recipe/recipe.ts';
import type { RegionValue } from '../recipe/schema.ts';
import { type CopyrightFields, readCopyright } from './copyright.ts';
import { decodeUpright } from './decode.ts';
import { encode, fromRaw } from './encode.ts';
import { inspectImage } from './inspect.ts';
import type { Limits } from './limits.ts';
import { reducePalette } from './palette.ts';
import { blockMeans, enlargeBlocks } from './pixelate.ts';
import { keepOutsideRegions, pixelRect, type PixelRect, type RegionDetector } from './regions.ts';
import { resize } from './resize.ts';
import { contentTypeOf, type ImageInfo, type RawImage } from './types.ts';

/** One encoded output, ready to be written. */
export interface RenderedOutput {
  name: string;
  /** Relative to the destination prefix, from the recipe's naming template. */
  key: string;
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

/** What one object brings beside its bytes. */
export interface RenderContext {
  /** Rectangles the uploader gave with the object (metadata, tags or a sidecar). */
  objectRegions?: RegionValue[];
  /** Detectors for region sources such as 'faces'. */
  detectors?: RegionDetector[];
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
  context: RenderContext = {},
): Promise<RenderResult> {
  const started = performance.now();
  const info = await inspectImage(key, bytes, limits);
  const plan = planOutputs(recipe, { key, ...info });
  const copyright = plan.some((output) => output.spec.metadata.copyright)
    ? await readCopyright(bytes)
    : {};
  const inspected = performance.now();

  const working = await decodeUpright(key, bytes, workingWidth(plan, info.width), limits);
  const decoded = performance.now();

  const image: WorkingImage = { working, info, recipe, copyright, context };
  const outputs = await Promise.all(plan.map((output) => renderOutput(output, image)));
  return {
    info,
    outputs,
    timingsMs: {
      inspect: Math.round(inspected - started),
      decode: Math.round(decoded - inspected),
      encode: Math.round(performance.now() - decoded),
    },
  };
}

interface WorkingImage {
  working: RawImage;
  info: ImageInfo;
  recipe: Recipe;
  copyright: CopyrightFields;
  context: RenderContext;
}

async function renderOutput(output: PlannedOutput, image: WorkingImage): Promise<RenderedOutput> {
  const { spec } = output;
  const pipeline =
    spec.kind === 'pixelate'
      ? await pixelated(output, spec, image)
      : resize(image.working, spec.resize, output.width, output.height, image.recipe.background);

  const data = await encode(pipeline, {
    format: output.format,
    quality: spec.quality,
    effort: spec.effort,
    background: image.recipe.background,
    colours: spec.kind === 'pixelate' ? spec.pixelate.palette?.colours : undefined,
    iccProfile: spec.metadata.iccProfile,
    copyright: spec.metadata.copyright ? image.copyright : undefined,
  });
  return {
    name: output.name,
    key: output.key,
    format: output.format,
    contentType: contentTypeOf[output.format],
    width: output.width,
    height: output.height,
    data,
  };
}

async function pixelated(
  output: PlannedOutput,
  spec: OutputSpec & { kind: 'pixelate' },
  { working, info, context }: WorkingImage,
) {
  const grid = output.grid!;
  const { size, pixelsPerBlock, palette, regions } = spec.pixelate;
  let means = blockMeans(working, grid, info.width, info.height);
  if (palette) means = reducePalette(means, palette);

  if (size === 'small') {
    const small = { blockSize: pixelsPerBlock, columns: grid.columns, rows: grid.rows };
    return enlargeBlocks(means, small, output.width, output.height);
  }
  const whole = enlargeBlocks(means, grid, info.width, info.height);
  if (!regions) return whole;

  const rects = await regionRects(regions, working, info, context);
  if (rects === 'whole-image') return whole;
  const { data } = await whole.raw().toBuffer({ resolveWithObject: true });
  return fromRaw(keepOutsideRegions(working, { ...working, data }, rects));
}

async function regionRects(
  regions: NonNullable<(OutputSpec & { kind: 'pixelate' })['pixelate']['regions']>,
  working: RawImage,
  info: ImageInfo,
  context: RenderContext,
): Promise<PixelRect[] | 'whole-image'> {
  const { width, height } = info;
  const rects = regions.rectangles.map((region) => pixelRect(region, width, height));
  let fromSources = 0;
  for (const source of regions.sources) {
    if (source === 'object') {
      const found = (context.objectRegions ?? []).map((region) => pixelRect(region, width, height));
      fromSources += found.filter(Boolean).length;
      rects.push(...found);
    } else {
      const detector = context.detectors?.find((candidate) => candidate.source === source);
      // Start-up refuses recipes whose detectors are missing; this is the last guard.
      if (!detector) return 'whole-image';
      const found = await detector.detect(working, width, height);
      fromSources += found.length;
      rects.push(...found);
    }
  }
  const nothingFound = regions.sources.length > 0 && fromSources === 0;
  if (nothingFound && regions.whenNoneFound === 'whole-image') return 'whole-image';
  return rects.filter((rect): rect is PixelRect => rect !== undefined);
}
