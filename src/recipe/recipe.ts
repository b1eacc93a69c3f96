import { createHash } from 'node:crypto';

import type { OutputFormat } from '../image/types.ts';

/**
 * Pixelate the whole image. Strength is either `grid` (blocks along the longer side) or
 * `blockSize` (pixels per block side): two names so that nobody confuses them.
 */
export interface PixelateOutput {
  kind: 'pixelate';
  grid?: number;
  blockSize?: number;
  format: OutputFormat;
  quality: number;
}

/** A copy that fits `width`, aspect ratio kept, never enlarged. */
export interface ResizeOutput {
  kind: 'resize';
  width: number;
  format: OutputFormat;
  quality: number;
}

export type OutputSpec = PixelateOutput | ResizeOutput;

/** What every upload produces: a named list of outputs and how to encode them. */
export interface Recipe {
  name: string;
  outputs: OutputSpec[];
  /** Colour that transparent pixels are flattened onto in formats without alpha (JPEG). */
  background: string;
  /** What the metadata record says; both settings off when absent. */
  record?: RecordSettings;
}

export interface RecordSettings {
  /** Write the GPS latitude and longitude in the record, not only whether there is one. */
  includeGpsPosition: boolean;
  /** Put a summary of the record on every output as S3 user metadata (answered by a HEAD). */
  outputMetadata: boolean;
}

export const classicGrids = [8, 16, 32, 48, 64] as const;
export const defaultWidths = [320, 640, 1280, 1920] as const;

/**
 * The recipe used when none is configured: five full-size pixelations at the classic grids,
 * and four widths in JPEG and WebP.
 */
export const defaultRecipe: Recipe = {
  name: 'default',
  background: '#ffffff',
  outputs: [
    ...classicGrids.map((grid): OutputSpec => ({
      kind: 'pixelate',
      grid,
      format: 'jpeg',
      quality: 80,
    })),
    ...defaultWidths.flatMap((width): OutputSpec[] => [
      { kind: 'resize', width, format: 'jpeg', quality: 80 },
      { kind: 'resize', width, format: 'webp', quality: 80 },
    ]),
  ],
};

/** A short, stable fingerprint of everything in a recipe that changes its outputs. */
export function recipeHash(recipe: Recipe): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}
