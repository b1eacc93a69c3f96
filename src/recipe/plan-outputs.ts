import { type PixelGrid, gridForBlockSize, gridForStrength } from '../image/pixelate.ts';
import { extensionOf, type OutputFormat } from '../image/types.ts';
import { fillTemplate, outputBaseName, stemOf } from './output-name.ts';
import type { FormatName, OutputSpec, Recipe, ResizeOptions } from './recipe.ts';

/** What planning needs to know of the source: its displayed size, and its format if known. */
export interface SourceShape {
  key: string;
  width: number;
  height: number;
  /** sharp's format name ('jpeg', 'heif', ...) or a file extension; for `original`. */
  format?: string;
  mimeType?: string;
}

/** One output an object will produce, with its final key and dimensions. */
export interface PlannedOutput {
  /** `{name}.{ext}`, for example `pixelated-grid-8.jpg`; unique within a recipe. */
  name: string;
  /** The key the naming template gives, relative to the destination prefix. */
  key: string;
  spec: OutputSpec;
  format: OutputFormat;
  width: number;
  height: number;
  /** Present for pixelations: the block layout over the displayed image. */
  grid?: PixelGrid;
  /** Width of the decoded copy this output needs to be rendered at full quality. */
  neededWidth: number;
}

/**
 * Works out, without touching any pixel, every output a source of this shape gets from
 * `recipe`: keys, formats and sizes.
 *
 * Resized copies are never enlarged unless the recipe says `enlarge`: a box larger than the
 * image shrinks to fit it (keeping its aspect ratio), so every configured key exists for every
 * source.
 *
 * @example
 * planOutputs(defaultRecipe, { key: 'cat.jpg', width: 4000, height: 3000 }).map((o) => o.key);
 * // ['cat.jpg/pixelated-grid-8.jpg', ..., 'cat.jpg/w1920.webp']
 */
export function planOutputs(recipe: Recipe, source: SourceShape): PlannedOutput[] {
  return recipe.outputs.map((spec) => {
    const format = resolveFormat(spec.format, source);
    const sized =
      spec.kind === 'pixelate' ? planPixelation(spec, source) : planResize(spec.resize, source);
    const base = outputBaseName(spec);
    const ext = extensionOf[format];
    const key = fillTemplate(recipe.naming, {
      key: source.key,
      stem: stemOf(source.key),
      name: base,
      width: String(sized.width),
      height: String(sized.height),
      format,
      ext,
    });
    return { name: `${base}.${ext}`, key, spec, format, ...sized };
  });
}

type Sized = Pick<PlannedOutput, 'width' | 'height' | 'grid' | 'neededWidth'>;

// Block means need a few source pixels per block; 8 along each side keeps them within a grey
// level of the full-size mean.
const samplesPerBlock = 8;

function planPixelation(spec: OutputSpec & { kind: 'pixelate' }, source: SourceShape): Sized {
  const { width, height } = source;
  const { grid: blocks, blockSize, size, pixelsPerBlock, regions } = spec.pixelate;
  const grid =
    blockSize !== undefined
      ? gridForBlockSize(width, height, blockSize)
      : gridForStrength(width, height, blocks ?? 16);
  // Pixels outside the regions are kept as they are, so the decoded copy must be full size.
  const neededWidth = regions ? width : grid.columns * samplesPerBlock;
  if (size === 'displayed') return { width, height, grid, neededWidth };
  return {
    width: Math.max(1, Math.ceil((width * pixelsPerBlock) / grid.blockSize)),
    height: Math.max(1, Math.ceil((height * pixelsPerBlock) / grid.blockSize)),
    grid,
    neededWidth,
  };
}

function planResize(options: ResizeOptions, source: SourceShape): Sized {
  const { width, height } = source;
  const boxWidth = options.width;
  const boxHeight = options.height;

  if (boxWidth === undefined || boxHeight === undefined || options.fit === 'inside') {
    let scale = Math.min(
      boxWidth === undefined ? Infinity : boxWidth / width,
      boxHeight === undefined ? Infinity : boxHeight / height,
    );
    if (!options.enlarge) scale = Math.min(scale, 1);
    const outWidth = Math.max(1, Math.round(width * scale));
    return {
      width: outWidth,
      height: Math.max(1, Math.round(height * scale)),
      neededWidth: outWidth,
    };
  }

  // The box keeps its aspect ratio when it shrinks to what the image can fill.
  const shrink = options.enlarge
    ? 1
    : options.fit === 'contain'
      ? Math.min(1, Math.max(width / boxWidth, height / boxHeight))
      : Math.min(1, width / boxWidth, height / boxHeight);
  const outWidth = Math.max(1, Math.round(boxWidth * shrink));
  const outHeight = Math.max(1, Math.round(boxHeight * shrink));
  const scale =
    options.fit === 'cover'
      ? Math.max(outWidth / width, outHeight / height)
      : options.fit === 'contain'
        ? Math.min(outWidth / width, outHeight / height)
        : outWidth / width;
  return { width: outWidth, height: outHeight, neededWidth: Math.ceil(width * scale) };
}

const keptFormats: Record<string, OutputFormat> = {
  jpeg: 'jpeg',
  jpg: 'jpeg',
  png: 'png',
  webp: 'webp',
  gif: 'gif',
  avif: 'avif',
};

/**
 * The output format `original` means for this source: its own format when pixelater writes
 * it (JPEG, PNG, WebP, GIF, AVIF), JPEG for every other (TIFF, HEIC, SVG, ...).
 */
export function resolveFormat(format: FormatName, source: SourceShape): OutputFormat {
  if (format !== 'original') return format;
  if (source.mimeType === 'image/avif') return 'avif';
  const named = source.format ?? source.key.split('.').pop() ?? '';
  return keptFormats[named.toLowerCase()] ?? 'jpeg';
}

/**
 * The keys `recipe` writes for a source key whatever the image's size: every output's key,
 * unless the naming template uses {width} or {height}. A removal deletes these even when no
 * record says what was written.
 *
 * @example
 * sizeIndependentKeys(defaultRecipe, 'cat.jpg'); // ['cat.jpg/pixelated-grid-8.jpg', ...]
 */
export function sizeIndependentKeys(recipe: Recipe, key: string): string[] {
  if (/\{(width|height)\}/.test(recipe.naming)) return [];
  return planOutputs(recipe, { key, width: 1, height: 1 }).map((output) => output.key);
}

/**
 * The width to decode the source at: large enough for every output, so that libvips can
 * shrink on load (JPEG, WebP) and every output is derived from one decoded buffer.
 */
export function workingWidth(plan: PlannedOutput[], width: number): number {
  return Math.min(width, Math.max(1, ...plan.map((output) => output.neededWidth)));
}

/**
 * The width at which block means are computed: usually far below the working width, so
 * that averaging costs little however large the photo. Region pixelations need the full
 * copy, and then so does this.
 */
export function blockSampleWidth(plan: PlannedOutput[], width: number): number {
  const pixelations = plan.filter((output) => output.grid);
  return Math.min(width, Math.max(1, ...pixelations.map((output) => output.neededWidth)));
}
