import type { Sharp } from 'sharp';

import type { ResizeOptions } from '../recipe/recipe.ts';
import { fromRaw } from './encode.ts';
import type { RawImage } from './types.ts';

/**
 * A resized copy of the working image at exactly `width` x `height` (as planned), fitted the
 * recipe's way: `inside` and `fill` scale, `cover` scales and crops at `position` (or where
 * libvips' attention or entropy strategy finds the subject), `contain` scales and pads with
 * `background`.
 *
 * @example
 * resize(working, { width: 320, height: 320, fit: 'cover', position: 'attention', enlarge: false }, 320, 320, '#fff');
 */
export function resize(
  working: RawImage,
  options: ResizeOptions,
  width: number,
  height: number,
  background: string,
): Sharp {
  const pipeline = fromRaw(working);
  const boxed = options.width !== undefined && options.height !== undefined;
  if (!boxed || options.fit === 'inside' || options.fit === 'fill') {
    // The plan already has the exact size; 'fill' avoids a second rounding by libvips.
    return pipeline.resize({ width, height, fit: 'fill' });
  }
  if (options.fit === 'contain') {
    return pipeline.resize({
      width,
      height,
      fit: 'contain',
      background: options.background ?? background,
    });
  }
  return pipeline.resize({
    width,
    height,
    fit: 'cover',
    position: options.position,
  });
}
