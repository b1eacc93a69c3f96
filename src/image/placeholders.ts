import { encode as blurHashOf } from 'blurhash';
import { rgbaToThumbHash } from 'thumbhash';

import { fromRaw } from './encode.ts';
import type { RawImage } from './types.ts';

/** What an application shows before the image loads, all computed from the small copy. */
export interface Placeholders {
  /** ThumbHash, base64: decodes to a blurred image with the source's aspect ratio and alpha. */
  thumbHash: string;
  /** BlurHash with `blurHashComponents` components across and down. */
  blurHash: string;
  blurHashComponents: [number, number];
  /** A tiny WebP of the image as a data URI, a few hundred bytes, ready for `<img src>`. */
  dataUri: string;
  /** The most common colour, `#rrggbb`, from libvips' 4096-bin histogram. */
  dominantColour: string;
}

/** Longest side of the data-URI preview: enough for a blurred placeholder, a few hundred bytes. */
const previewSide = 16;

/**
 * Placeholders for one image from its small RGBA copy (at most 100x100).
 *
 * @example
 * const { thumbHash, blurHash, dataUri, dominantColour } = await placeholdersOf(small);
 */
export async function placeholdersOf(small: RawImage): Promise<Placeholders> {
  const rgba = new Uint8ClampedArray(small.data.buffer, small.data.byteOffset, small.data.length);
  const components = blurHashComponents(small.width, small.height);

  const [preview, stats] = await Promise.all([
    fromRaw(small)
      .resize({ width: previewSide, height: previewSide, fit: 'inside' })
      .webp({ quality: 40, alphaQuality: 40, effort: 6 })
      .toBuffer(),
    fromRaw(small).stats(),
  ]);

  return {
    thumbHash: Buffer.from(rgbaToThumbHash(small.width, small.height, rgba)).toString('base64'),
    blurHash: blurHashOf(rgba, small.width, small.height, components[0], components[1]),
    blurHashComponents: components,
    dataUri: `data:image/webp;base64,${preview.toString('base64')}`,
    dominantColour: hexOf(stats.dominant),
  };
}

/** Four components along the longer side, fewer along the shorter, at least one. */
function blurHashComponents(width: number, height: number): [number, number] {
  const along = (side: number, longer: number) =>
    Math.min(9, Math.max(1, Math.round((4 * side) / longer)));
  const longer = Math.max(width, height);
  return [along(width, longer), along(height, longer)];
}

function hexOf(colour: { r: number; g: number; b: number }): string {
  return `#${[colour.r, colour.g, colour.b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}
