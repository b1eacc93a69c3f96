import {
  blockSampleWidth,
  type PlannedOutput,
  planOutputs,
  workingWidth,
} from '../recipe/plan-outputs.ts';
import type { OutputSpec, Recipe } from '../recipe/recipe.ts';
import type { RegionValue } from '../recipe/schema.ts';
import { type CopyrightFields, readCopyright } from './copyright.ts';
import { keepsAnimation, renderAnimatedOutput } from './animation.ts';
import { decodeSource } from './decode.ts';
import { downscaleRaw } from './downscale-raw.ts';
import { readSourceMetadata, type SourceMetadata } from './embedded-metadata.ts';
import { encode, fromRaw } from './encode.ts';
import { inspectImage } from './inspect.ts';
import type { Limits } from './limits.ts';
import { reducePalette } from './palette.ts';
import { perceptualHash } from './perceptual-hash.ts';
import { blockMeans, enlargeBlocks } from './pixelate.ts';
import { type Placeholders, placeholdersOf } from './placeholders.ts';
import { keepOutsideRegions, pixelRect, type PixelRect, type RegionDetector } from './regions.ts';
import { resize } from './resize.ts';
import { deriveSmallCopy } from './small-copy.ts';
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

  const width = workingWidth(plan, info.width);
  const decodedSource = await decodeSource(key, bytes, info, width, limits);
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

  const image: WorkingImage = { working, sampled, info, recipe, copyright, context, described };
  const outputs = await Promise.all(
    plan.map((output) =>
      animation && keepsAnimation(output.format)
        ? renderAnimatedOutput(output, animation, info, described)
        : renderOutput(output, image),
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

interface WorkingImage {
  working: RawImage;
  /** A smaller copy that block means are computed from (the working copy for regions). */
  sampled: RawImage;
  info: ImageInfo;
  recipe: Recipe;
  copyright: CopyrightFields;
  context: RenderContext;
  /** When encoding began, for each output's `encodeMs`. */
  described: number;
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
    pixels: output.width * output.height,
  });
  return {
    name: output.name,
    key: output.key,
    format: output.format,
    contentType: contentTypeOf[output.format],
    width: output.width,
    height: output.height,
    data,
    // LIMITATION: outputs are encoded at once on libvips' shared threads, so each figure is
    // the time until that output was ready, not its own CPU cost; `npm run bench` measures that.
    encodeMs: Math.round(performance.now() - image.described),
  };
}

async function pixelated(
  output: PlannedOutput,
  spec: OutputSpec & { kind: 'pixelate' },
  { working, sampled, info, context }: WorkingImage,
) {
  const grid = output.grid!;
  const { size, pixelsPerBlock, palette, regions } = spec.pixelate;
  let means = blockMeans(sampled, grid, info.width, info.height);
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
