import { fromRaw } from './encode.ts';
import type { RawImage } from './types.ts';

/** The longest side of the small copy that placeholders and fingerprints are computed from. */
export const smallCopySide = 100;

/**
 * Shrinks the working buffer to an RGBA copy that fits 100x100, aspect kept. Placeholders,
 * the perceptual hash and the dominant colour all read this one copy, so the source is
 * never decoded a second time for them. 100 px is ThumbHash's own upper bound.
 *
 * @example
 * const small = await deriveSmallCopy(working); // e.g. 100x67 RGBA from a 1920x1280 buffer
 */
export async function deriveSmallCopy(working: RawImage): Promise<RawImage> {
  const { data, info } = await fromRaw(working)
    .resize({ width: smallCopySide, height: smallCopySide, fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 4 };
}
