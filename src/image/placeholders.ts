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
  /** The most common colour, `#rrggbb`: the centre of the fullest of 4096 colour bins. */
  dominantColour: string;
}

/** Longest side of the data-URI preview: enough for a blurred placeholder, a few hundred bytes. */
const previewSide = 16;

/**
 * Longest side of the copy BlurHash and ThumbHash are computed from: their few components
 * are the lowest frequencies, which 32 px already carry, at a tenth of the cost of the
 * 100 px copy.
 */
const hashSide = 32;

/**
 * Placeholders for one image from its small RGBA copy (at most 100x100).
 *
 * @example
 * const { thumbHash, blurHash, dataUri, dominantColour } = await placeholdersOf(small);
 */
export async function placeholdersOf(small: RawImage): Promise<Placeholders> {
  const components = blurHashComponents(small.width, small.height);

  const [preview, hashSource] = await Promise.all([
    fromRaw(small)
      .resize({ width: previewSide, height: previewSide, fit: 'inside' })
      .webp({ quality: 40, alphaQuality: 40, effort: 6 })
      .toBuffer(),
    fromRaw(small)
      .resize({ width: hashSide, height: hashSide, fit: 'inside' })
      .raw()
      .toBuffer({ resolveWithObject: true }),
  ]);
  const hashPixels = new Uint8ClampedArray(
    hashSource.data.buffer,
    hashSource.data.byteOffset,
    hashSource.data.length,
  );
  const { width: hashWidth, height: hashHeight } = hashSource.info;

  return {
    thumbHash: Buffer.from(rgbaToThumbHash(hashWidth, hashHeight, hashPixels)).toString('base64'),
    blurHash: blurHashOf(hashPixels, hashWidth, hashHeight, components[0], components[1]),
    blurHashComponents: components,
    dataUri: `data:image/webp;base64,${preview.toString('base64')}`,
    dominantColour: hexOf(dominantColourOf(small)),
  };
}

/** Four components along the longer side, fewer along the shorter, at least one. */
function blurHashComponents(width: number, height: number): [number, number] {
  const along = (side: number, longer: number) =>
    Math.min(9, Math.max(1, Math.round((4 * side) / longer)));
  const longer = Math.max(width, height);
  return [along(width, longer), along(height, longer)];
}

/**
 * The centre of the fullest of 16 x 16 x 16 colour bins, transparent pixels left out: the
 * same rule as libvips' `stats().dominant`, without its fixed cost of a pipeline (8 ms here).
 */
function dominantColourOf(small: RawImage): { r: number; g: number; b: number } {
  const bins = new Uint32Array(4096);
  const pixels = small.data;
  for (let offset = 0; offset < pixels.length; offset += 4) {
    if ((pixels[offset + 3] ?? 0) === 0) continue;
    const bin = ((pixels[offset] ?? 0) >> 4) * 256 + ((pixels[offset + 1] ?? 0) >> 4) * 16;
    bins[bin + ((pixels[offset + 2] ?? 0) >> 4)]! += 1;
  }
  let fullest = 0;
  for (let bin = 1; bin < bins.length; bin++) if (bins[bin]! > bins[fullest]!) fullest = bin;
  return {
    r: (fullest >> 8) * 16 + 8,
    g: ((fullest >> 4) & 15) * 16 + 8,
    b: (fullest & 15) * 16 + 8,
  };
}

function hexOf(colour: { r: number; g: number; b: number }): string {
  return `#${[colour.r, colour.g, colour.b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}
