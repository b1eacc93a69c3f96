import sharp from 'sharp';

import { RejectionCheck, RejectionError } from '../errors.ts';
import { describe } from './inspect.ts';
import type { Limits } from './limits.ts';
import type { RawImage } from './types.ts';

/**
 * Decodes the source once, upright and in sRGB, at `width` (at most its displayed width).
 *
 * Asking libvips for the smaller size up front lets it shrink on load (JPEG decodes at 1/2,
 * 1/4 or 1/8 scale for free), which is most of pixelater's speed on large photos.
 *
 * @example
 * const working = await decodeUpright('photos/cat.jpg', bytes, 1920, defaultLimits);
 * @param onWarning receives each warning libvips gives while decoding (a bad CRC, junk data).
 * @throws {RejectionError} when libvips cannot decode the pixels.
 */
export async function decodeUpright(
  key: string,
  bytes: Buffer,
  width: number,
  limits: Limits,
  onWarning: (warning: string) => void = () => {},
): Promise<RawImage> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxPixels })
      .on('warning', onWarning)
      .rotate()
      .resize({ width, withoutEnlargement: true })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const channels = info.channels === 4 ? 4 : 3;
    if (info.channels !== channels) {
      throw new Error(`decoded to ${info.channels} channels`);
    }
    return { data, width: info.width, height: info.height, channels };
  } catch (error) {
    throw new RejectionError(
      key,
      RejectionCheck.undecodable,
      `cannot decode the image (${describe(error)})`,
    );
  }
}
