import type { PixelGrid } from './pixelate.ts';
import type { RawImage } from './types.ts';

/** An axis-aligned rectangle in whole pixels of the image it belongs to. */
export interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * How each region is covered by blocks: scaled to the region (detected faces and text), or on
 * the image-wide grid of a whole-image pixelation (fixed and uploader-given rectangles).
 */
export type RegionPixelation =
  | {
      /**
       * Blocks along each region's longer side, 2 to 64; default 8. The block side scales with
       * the region (longer side / blocks, rounded up), so a large face gets large blocks and a
       * small one never more than this many blocks of detail: a face covered by 8 blocks across
       * cannot be recognised, while every region still shows as blocks, not as one flat patch.
       * Blocks are laid from the region's top-left corner and cut by its edges.
       */
      blocksAcross: number;
    }
  | {
      /** The image-wide grid: a region shows exactly the blocks of the whole-image output. */
      grid: PixelGrid;
      /** The colour of every block of `grid`, one pixel per block (see `blockMeans`). */
      means: RawImage;
    };

export const defaultRegionPixelation: RegionPixelation = { blocksAcross: 8 };

/**
 * `region` grown by `margin` times its width and height on every side, in whole pixels and
 * clipped to a `width` x `height` image. A detector's box hugs the face; the margin takes in
 * the hair, ears and chin that identify a person as well.
 *
 * @example
 * withMargin({ left: 100, top: 100, width: 40, height: 50 }, 0.25, 640, 480);
 * // { left: 90, top: 87, width: 60, height: 76 }
 */
export function withMargin(region: Region, margin: number, width: number, height: number): Region {
  const left = Math.max(0, Math.floor(region.left - region.width * margin));
  const top = Math.max(0, Math.floor(region.top - region.height * margin));
  const right = Math.min(width, Math.ceil(region.left + region.width * (1 + margin)));
  const bottom = Math.min(height, Math.ceil(region.top + region.height * (1 + margin)));
  return { left, top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
}

/**
 * The block side for `region`: its longer side divided by `blocksAcross`, rounded up, so the
 * longer side never holds more than `blocksAcross` blocks.
 *
 * @example
 * regionBlockSize({ left: 0, top: 0, width: 120, height: 90 }, { blocksAcross: 8 }); // 15
 */
export function regionBlockSize(region: Region, pixelation: { blocksAcross: number }): number {
  return Math.max(1, Math.ceil(Math.max(region.width, region.height) / pixelation.blocksAcross));
}

/**
 * A copy of `image` in which every region is replaced by square blocks, every pixel outside
 * the regions left exactly as it was. With `blocksAcross`, each block has the mean colour of
 * the pixels it covers (alpha-weighted, as whole-image pixelation does), blocks are laid from
 * each region's top-left corner and the last column and row are cut by the region's edge;
 * means are taken from the original pixels, so overlapping regions give the same result in
 * any order. With a `grid`, the blocks and their colours are the whole-image pixelation's,
 * cut by the region's edges. Pure: `image` is not changed.
 *
 * @example
 * const redacted = pixelateRegions(working, [{ left: 90, top: 87, width: 60, height: 76 }]);
 */
export function pixelateRegions(
  image: RawImage,
  regions: readonly Region[],
  pixelation: RegionPixelation = defaultRegionPixelation,
): RawImage {
  const data = Buffer.from(image.data);
  for (const region of regions) {
    const clipped = clip(region, image.width, image.height);
    if (clipped.width === 0 || clipped.height === 0) continue;
    const right = clipped.left + clipped.width;
    const bottom = clipped.top + clipped.height;
    const onGrid = 'grid' in pixelation ? pixelation : undefined;
    const blockSize =
      'grid' in pixelation ? pixelation.grid.blockSize : regionBlockSize(clipped, pixelation);
    // On the image-wide grid the first block starts on a grid line, left of or at the region.
    const firstLeft = onGrid ? clipped.left - (clipped.left % blockSize) : clipped.left;
    const firstTop = onGrid ? clipped.top - (clipped.top % blockSize) : clipped.top;
    for (let top = firstTop; top < bottom; top += blockSize) {
      for (let left = firstLeft; left < right; left += blockSize) {
        const block = {
          left: Math.max(left, clipped.left),
          top: Math.max(top, clipped.top),
          width: Math.min(left + blockSize, right) - Math.max(left, clipped.left),
          height: Math.min(top + blockSize, bottom) - Math.max(top, clipped.top),
        };
        const colour = onGrid
          ? gridColour(onGrid.means, left / blockSize, top / blockSize)
          : meanColour(image, block);
        fillBlock(data, image, block, colour);
      }
    }
  }
  return { data, width: image.width, height: image.height, channels: image.channels };
}

function gridColour(means: RawImage, column: number, row: number): number[] {
  const offset = (row * means.width + column) * means.channels;
  return [...means.data.subarray(offset, offset + means.channels)];
}

function clip(region: Region, width: number, height: number): Region {
  const left = Math.max(0, Math.min(width, Math.round(region.left)));
  const top = Math.max(0, Math.min(height, Math.round(region.top)));
  const right = Math.max(left, Math.min(width, Math.round(region.left + region.width)));
  const bottom = Math.max(top, Math.min(height, Math.round(region.top + region.height)));
  return { left, top, width: right - left, height: bottom - top };
}

function meanColour(image: RawImage, block: Region): number[] {
  const { channels, data } = image;
  let red = 0;
  let green = 0;
  let blue = 0;
  let alphaSum = 0;
  for (let y = block.top; y < block.top + block.height; y++) {
    let offset = (y * image.width + block.left) * channels;
    for (let x = 0; x < block.width; x++, offset += channels) {
      const alpha = channels === 4 ? (data[offset + 3] ?? 0) : 255;
      red += (data[offset] ?? 0) * alpha;
      green += (data[offset + 1] ?? 0) * alpha;
      blue += (data[offset + 2] ?? 0) * alpha;
      alphaSum += alpha;
    }
  }
  const colour = [red, green, blue].map((sum) => (alphaSum > 0 ? Math.round(sum / alphaSum) : 0));
  if (channels === 4) colour.push(Math.round(alphaSum / (block.width * block.height)));
  return colour;
}

function fillBlock(data: Buffer, image: RawImage, block: Region, colour: number[]): void {
  const { channels } = image;
  for (let y = block.top; y < block.top + block.height; y++) {
    let offset = (y * image.width + block.left) * channels;
    for (let x = 0; x < block.width; x++, offset += channels) {
      for (let channel = 0; channel < channels; channel++) {
        data[offset + channel] = colour[channel] ?? 0;
      }
    }
  }
}
