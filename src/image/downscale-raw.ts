import { fromRaw } from './encode.ts';
import type { RawImage } from './types.ts';

/**
 * A smaller copy of raw pixels, `width` wide, aspect kept; the same image when it is
 * already that small.
 *
 * @example
 * const sampled = await downscaleRaw(working, 512);
 */
export async function downscaleRaw(image: RawImage, width: number): Promise<RawImage> {
  if (width >= image.width) return image;
  const { data, info } = await fromRaw(image)
    .resize({ width })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: image.channels };
}
