import type { Sharp } from 'sharp';

import {
  blockSampleWidth,
  type PlannedOutput,
  planOutputs,
  workingWidth,
} from '../recipe/plan-outputs.ts';
import type { OutputSpec, Recipe } from '../recipe/recipe.ts';
import type { RegionValue } from '../recipe/schema.ts';
import { DetectionFailedError } from '../detect/errors.ts';
import type { DetectionTarget } from '../detect/types.ts';
import { type CopyrightFields, readCopyright } from './copyright.ts';
import {
  type AnimationSummary,
  animationSummaryOf,
  keepsAnimation,
  renderAnimatedOutput,
} from './animation.ts';
import { decodeSource } from './decode.ts';
import { downscaleRaw } from './downscale-raw.ts';
import { readSourceMetadata, type SourceMetadata } from './embedded-metadata.ts';
import { encode, fromRaw } from './encode.ts';
import { inspectSource } from './inspect.ts';
import type { Limits } from './limits.ts';
import { reducePalette } from './palette.ts';
import { perceptualHash } from './perceptual-hash.ts';
import { blockMeans, enlargeBlocks } from './pixelate.ts';
import { type Placeholders, placeholdersOf } from './placeholders.ts';
import { pixelateRegions, withMargin } from './pixelate-regions.ts';
import {
  pixelRect,
  type PixelRect,
  type RedactedRegion,
  type RedactionAudit,
  type RegionDetection,
  type RegionDetector,
} from './regions.ts';
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
  /** For an output with detected regions (faces, text) pixelated: what was found and covered. */
  redaction?: RedactionAudit;
}

export interface RenderResult {
  info: ImageInfo;
  /** Camera and embedded blocks: read from the bytes, never decoded again. */
  metadata: SourceMetadata;
  /** Frames, delays and loop count of an animated source. */
  animation?: AnimationSummary;
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
  /**
   * Detectors for the region sources 'faces' and 'text'. An output that asks for a source
   * with no detector here is not rendered: the render fails with `DetectionFailedError`.
   */
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
 * @throws {DetectionFailedError} when an output asks for detected regions and the detector is
 *   missing, fails or runs out of time: nothing is rendered, so nothing unredacted is written.
 */
export async function renderImage(
  key: string,
  bytes: Buffer,
  recipe: Recipe,
  limits: Limits,
  context: RenderContext = {},
): Promise<RenderResult> {
  const started = performance.now();
  const { info, header } = await inspectSource(key, bytes, limits);
  const plan = planOutputs(recipe, { key, ...info });
  const copyright = plan.some((output) => output.spec.metadata.copyright)
    ? await readCopyright(bytes, header)
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
    readSourceMetadata(
      bytes,
      { includeGpsPosition: recipe.record?.includeGpsPosition ?? false },
      header,
    ),
    placeholdersOf(small),
    perceptualHash(small),
  ]);
  const described = performance.now();

  const image: WorkingImage = {
    key,
    working,
    sampled,
    info,
    recipe,
    copyright,
    context,
    described,
    detections: new Map(),
  };
  // Copies that come out the same (a 1280 and a 1920 width of a 1200 px image, both kept
  // at 1200) are encoded once and written under each key.
  const encoded = new Map<string, Promise<RenderedOutput>>();
  const outputs = await Promise.all(
    plan.map((output) => {
      const render = () =>
        animation && keepsAnimation(output.format)
          ? renderAnimatedOutput(output, animation, info, described)
          : renderOutput(output, image);
      const same = sameBytesKey(output);
      if (same === undefined) return render();
      const first = encoded.get(same) ?? render();
      encoded.set(same, first);
      return first.then((rendered) => ({ ...rendered, name: output.name, key: output.key }));
    }),
  );
  const summary = animationSummaryOf(info);
  return {
    info,
    metadata,
    ...(summary ? { animation: summary } : {}),
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

/**
 * Everything a resized copy's bytes depend on, as a string, or undefined for a pixelation
 * (each has its own grid). The box asked for matters only through the planned size and
 * whether both sides were given.
 */
function sameBytesKey(output: PlannedOutput): string | undefined {
  const { spec } = output;
  if (spec.kind !== 'resize') return undefined;
  const { width, height, enlarge: _planned, ...fitting } = spec.resize;
  const boxed = width !== undefined && height !== undefined;
  return JSON.stringify([
    output.format,
    output.width,
    output.height,
    boxed,
    fitting,
    spec.quality,
    spec.effort,
    spec.metadata,
  ]);
}

interface WorkingImage {
  key: string;
  working: RawImage;
  /** A smaller copy that block means are computed from (the working copy for regions). */
  sampled: RawImage;
  info: ImageInfo;
  recipe: Recipe;
  copyright: CopyrightFields;
  context: RenderContext;
  /** When encoding began, for each output's `encodeMs`. */
  described: number;
  /** One search per detector and image, however many outputs ask for it. */
  detections: Map<DetectionTarget, Promise<RegionDetection>>;
}

async function renderOutput(output: PlannedOutput, image: WorkingImage): Promise<RenderedOutput> {
  const { spec } = output;
  const { pipeline, redaction } =
    spec.kind === 'pixelate'
      ? await pixelated(output, spec, image)
      : {
          pipeline: resize(
            image.working,
            spec.resize,
            output.width,
            output.height,
            image.recipe.background,
          ),
          redaction: undefined,
        };

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
    ...(redaction ? { redaction } : {}),
  };
}

type PixelateSpec = OutputSpec & { kind: 'pixelate' };
type RegionOptions = NonNullable<PixelateSpec['pixelate']['regions']>;

async function pixelated(
  output: PlannedOutput,
  spec: PixelateSpec,
  image: WorkingImage,
): Promise<{ pipeline: Sharp; redaction?: RedactionAudit }> {
  const { working, sampled, info } = image;
  const grid = output.grid!;
  const { size, pixelsPerBlock, palette, regions } = spec.pixelate;
  let means = blockMeans(sampled, grid, info.width, info.height);
  if (palette) means = reducePalette(means, palette);

  if (size === 'small') {
    const small = { blockSize: pixelsPerBlock, columns: grid.columns, rows: grid.rows };
    return { pipeline: enlargeBlocks(means, small, output.width, output.height) };
  }
  const whole = () => enlargeBlocks(means, grid, info.width, info.height);
  if (!regions) return { pipeline: whole() };

  const found = await findRegions(output, regions, image);
  if (found.wholeImage) return { pipeline: whole(), redaction: found.redaction };
  // Fixed and uploader-given rectangles show the whole-image pixelation's blocks; detected
  // boxes get blocks scaled to each box, so that no face is left with blocks too small.
  const onGrid = pixelateRegions(working, found.rectangles, { grid, means });
  const regionsPixelated = pixelateRegions(
    onGrid,
    (found.redaction?.regions ?? []).map(({ region }) => region),
    { blocksAcross: regions.blocksAcross },
  );
  return { pipeline: fromRaw(regionsPixelated), redaction: found.redaction };
}

interface FoundRegions {
  /** Fixed and uploader-given rectangles, in displayed pixels. */
  rectangles: PixelRect[];
  /** Present when the output asks for detected regions. */
  redaction?: RedactionAudit;
  /** Sources were asked for, none gave a rectangle, and the recipe says pixelate it all. */
  wholeImage: boolean;
}

async function findRegions(
  output: PlannedOutput,
  regions: RegionOptions,
  image: WorkingImage,
): Promise<FoundRegions> {
  const { width, height } = image.info;
  const rectangles = regions.rectangles
    .map((region) => pixelRect(region, width, height))
    .filter((rect): rect is PixelRect => rect !== undefined);
  let fromSources = 0;
  if (regions.sources.includes('object')) {
    const given = (image.context.objectRegions ?? [])
      .map((region) => pixelRect(region, width, height))
      .filter((rect): rect is PixelRect => rect !== undefined);
    fromSources += given.length;
    rectangles.push(...given);
  }

  const detected = regions.sources.filter((source) => source !== 'object');
  let redaction: RedactionAudit | undefined;
  if (detected.length > 0) {
    const searches = await Promise.all(detected.map((source) => detectOnce(output, source, image)));
    const found: RedactedRegion[] = searches.flatMap((search, index) => {
      const source = detected[index]!;
      return search.boxes.map(({ box, score }) => ({
        source,
        score,
        box,
        region: withMargin(box, regions.margins[source], width, height),
      }));
    });
    fromSources += found.length;
    redaction = {
      sources: detected,
      regions: found,
      detectors: searches.map((search) => search.detector),
      margins: regions.margins,
      blocksAcross: regions.blocksAcross,
      searchedWidth: image.working.width,
      searchedHeight: image.working.height,
      detectMs: searches.reduce((total, search) => total + search.durationMs, 0),
    };
  }

  const nothingFound = regions.sources.length > 0 && fromSources === 0;
  const wholeImage = nothingFound && regions.whenNoneFound === 'whole-image';
  return { rectangles, wholeImage, ...(redaction ? { redaction } : {}) };
}

/**
 * The search of `source`'s detector over the working copy, run once per image. A missing
 * detector or one that fails is a `DetectionFailedError` naming the output that asked.
 */
async function detectOnce(
  output: PlannedOutput,
  source: DetectionTarget,
  image: WorkingImage,
): Promise<RegionDetection> {
  const notWritten = `${output.name} not written`;
  const detector = image.context.detectors?.find((candidate) => candidate.source === source);
  if (!detector) {
    throw new DetectionFailedError(image.key, `${notWritten}: no ${source} detector is configured`);
  }
  let search = image.detections.get(source);
  if (!search) {
    search = detector.detect(image.working, image.info.width, image.info.height);
    image.detections.set(source, search);
  }
  try {
    return await search;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DetectionFailedError(image.key, `${notWritten}: detection failed (${reason})`, {
      cause: error,
    });
  }
}
