import sharp from 'sharp';

import type { PaletteOptions } from '../recipe/recipe.ts';
import { fromRaw } from './encode.ts';
import type { RawImage } from './types.ts';

/**
 * Reduces an image to at most `colours` colours with libimagequant (through sharp's PNG
 * palette encoder), optionally dithered. Run on the block means, one pixel per block, so that
 * dithering works block by block, as pixel art does, and costs next to nothing.
 *
 * @example
 * const art = await reducePalette(means, { colours: 16, dither: 0.5 });
 */
export async function reducePalette(image: RawImage, palette: PaletteOptions): Promise<RawImage> {
  const png = await fromRaw(image)
    .png({ palette: true, colours: palette.colours, dither: palette.dither, effort: 10 })
    .toBuffer();
  const decoded = sharp(png);
  const withChannels = image.channels === 4 ? decoded.ensureAlpha() : decoded.removeAlpha();
  const { data } = await withChannels.raw().toBuffer({ resolveWithObject: true });
  return { ...image, data };
}
