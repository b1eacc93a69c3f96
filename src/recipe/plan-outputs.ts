import { extensionOf, type OutputFormat } from '../image/types.ts';
import { type PixelGrid, gridForBlockSize, gridForStrength } from '../image/pixelate.ts';
import type { OutputSpec, Recipe } from './recipe.ts';

/** One output an object will produce, with its final name and dimensions. */
export interface PlannedOutput {
  /** File name under the source key's prefix, for example `pixelated-grid-8.jpg`. */
  name: string;
  spec: OutputSpec;
  format: OutputFormat;
  width: number;
  height: number;
  /** Present for pixelations: the block layout over the displayed image. */
  grid?: PixelGrid;
}

/**
 * Works out, without touching any pixel, every output a displayed `width` x `height` image
 * gets from `recipe`.
 *
 * Resized copies are never enlarged: a width larger than the image is still written, at
 * the image's own size, so that every configured key exists for every source.
 *
 * @example
 * planOutputs(defaultRecipe, 4000, 3000).map((output) => output.name);
 * // ['pixelated-grid-8.jpg', ..., 'w1920.webp']
 */
export function planOutputs(recipe: Recipe, width: number, height: number): PlannedOutput[] {
  return recipe.outputs.map((spec) => planOne(spec, width, height));
}

function planOne(spec: OutputSpec, width: number, height: number): PlannedOutput {
  const extension = extensionOf[spec.format];
  if (spec.kind === 'pixelate') {
    const grid =
      spec.blockSize !== undefined
        ? gridForBlockSize(width, height, spec.blockSize)
        : gridForStrength(width, height, spec.grid ?? 16);
    const strength =
      spec.blockSize !== undefined ? `block-${spec.blockSize}px` : `grid-${spec.grid ?? 16}`;
    return {
      name: `pixelated-${strength}.${extension}`,
      spec,
      format: spec.format,
      width,
      height,
      grid,
    };
  }

  const targetWidth = Math.min(spec.width, width);
  const targetHeight = Math.max(1, Math.round((height * targetWidth) / width));
  return {
    name: `w${spec.width}.${extension}`,
    spec,
    format: spec.format,
    width: targetWidth,
    height: targetHeight,
  };
}

/**
 * The names of every output `recipe` writes for any image. Names never depend on the
 * image's size, so this is what a removal deletes even when no record says what was written.
 *
 * @example
 * outputNames(defaultRecipe); // ['pixelated-grid-8.jpg', ..., 'w1920.webp']
 */
export function outputNames(recipe: Recipe): string[] {
  return planOutputs(recipe, 1, 1).map((output) => output.name);
}

/**
 * The width to decode the source at: large enough for every output, so that libvips can
 * shrink on load (JPEG, WebP) and every output is derived from one decoded buffer.
 */
export function workingWidth(plan: PlannedOutput[], width: number): number {
  // Block means need a few source pixels per block; 8 along each side keeps them within a
  // grey level of the full-size mean.
  const samplesPerBlock = 8;
  let needed = 1;
  for (const output of plan) {
    needed = Math.max(needed, output.grid ? output.grid.columns * samplesPerBlock : output.width);
  }
  return Math.min(width, needed);
}
