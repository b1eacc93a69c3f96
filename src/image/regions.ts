import type { RegionValue } from '../recipe/schema.ts';
import type { RawImage } from './types.ts';

/** A rectangle of the displayed image in whole pixels, inside its bounds. */
export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Finds rectangles to pixelate in an image. Face detection plugs in here: a detector for
 * the region source 'faces' is handed the decoded working copy and returns rectangles in
 * displayed pixels. pixelater ships no detector yet; a recipe that asks for one is refused
 * at start-up (see `src/recipe/load-config.ts`).
 */
export interface RegionDetector {
  source: 'faces';
  /**
   * @param image the working copy, possibly smaller than the displayed image
   * @param width the displayed width, the scale of the rectangles returned
   */
  detect(image: RawImage, width: number, height: number): Promise<PixelRect[]>;
}

/**
 * A region in displayed pixels, widened to whole pixels (a fractional edge is rounded
 * outwards, so that nothing meant to be hidden is left sharp) and clipped to the image.
 * Undefined when nothing of it is inside the image.
 *
 * @example
 * pixelRect({ left: 0.5, top: 0, width: 0.5, height: 0.25, unit: 'fraction' }, 1800, 1200);
 * // { left: 900, top: 0, width: 900, height: 300 }
 */
export function pixelRect(
  region: RegionValue,
  width: number,
  height: number,
): PixelRect | undefined {
  const scaleX = region.unit === 'fraction' ? width : 1;
  const scaleY = region.unit === 'fraction' ? height : 1;
  const left = Math.max(0, Math.floor(region.left * scaleX + 1e-9));
  const top = Math.max(0, Math.floor(region.top * scaleY + 1e-9));
  const right = Math.min(width, Math.ceil((region.left + region.width) * scaleX - 1e-9));
  const bottom = Math.min(height, Math.ceil((region.top + region.height) * scaleY - 1e-9));
  if (right <= left || bottom <= top) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

/**
 * `original` with the pixels inside `rects` taken from `pixelated` (the same size and
 * channels); every other pixel is `original`'s, untouched.
 *
 * @example
 * const out = keepOutsideRegions(working, fullyPixelated, [{ left: 0, top: 0, width: 64, height: 64 }]);
 */
export function keepOutsideRegions(
  original: RawImage,
  pixelated: RawImage,
  rects: PixelRect[],
): RawImage {
  const data = Buffer.from(original.data);
  const rowBytes = original.width * original.channels;
  for (const rect of rects) {
    const start = rect.left * original.channels;
    const end = (rect.left + rect.width) * original.channels;
    for (let y = rect.top; y < rect.top + rect.height; y++) {
      pixelated.data.copy(data, y * rowBytes + start, y * rowBytes + start, y * rowBytes + end);
    }
  }
  return { ...original, data };
}
