import { applyPaletteSync, buildPaletteSync, utils } from 'image-q';

import type { PaletteOptions } from '../recipe/recipe.ts';
import type { RawImage } from './types.ts';

/**
 * Reduces an image to at most `colours` colours (image-q's RgbQuant), optionally
 * with Floyd-Steinberg dithering. Run on the block means, one pixel per block, so that
 * dithering works block by block, as pixel art does, and costs next to nothing.
 *
 * libvips' own palette writer was not used: it rounds the count up to 2, 4, 16 or 256.
 *
 * @example
 * const art = reducePalette(means, { colours: 12, dither: true });
 */
export function reducePalette(image: RawImage, palette: PaletteOptions): RawImage {
  const rgba = toRgba(image);
  const points = utils.PointContainer.fromUint8Array(rgba, image.width, image.height);
  const colours = buildPaletteSync([points], {
    colors: palette.colours,
    paletteQuantization: 'rgbquant',
    colorDistanceFormula: 'euclidean-bt709',
  });
  const reduced = applyPaletteSync(points, colours, {
    imageQuantization: palette.dither ? 'floyd-steinberg' : 'nearest',
    colorDistanceFormula: 'euclidean-bt709',
  });
  return fromRgba(reduced.toUint8Array(), image);
}

function toRgba(image: RawImage): Uint8Array {
  if (image.channels === 4) return new Uint8Array(image.data);
  const rgba = new Uint8Array(image.width * image.height * 4);
  for (let pixel = 0; pixel < image.width * image.height; pixel++) {
    rgba[pixel * 4] = image.data[pixel * 3] ?? 0;
    rgba[pixel * 4 + 1] = image.data[pixel * 3 + 1] ?? 0;
    rgba[pixel * 4 + 2] = image.data[pixel * 3 + 2] ?? 0;
    rgba[pixel * 4 + 3] = 255;
  }
  return rgba;
}

function fromRgba(rgba: Uint8Array, like: RawImage): RawImage {
  if (like.channels === 4) return { ...like, data: Buffer.from(rgba) };
  const data = Buffer.alloc(like.width * like.height * 3);
  for (let pixel = 0; pixel < like.width * like.height; pixel++) {
    data[pixel * 3] = rgba[pixel * 4] ?? 0;
    data[pixel * 3 + 1] = rgba[pixel * 4 + 1] ?? 0;
    data[pixel * 3 + 2] = rgba[pixel * 4 + 2] ?? 0;
  }
  return { ...like, data };
}
