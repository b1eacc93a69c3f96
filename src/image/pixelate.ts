import sharp, { type Sharp, type Metadata } from 'sharp';

import type { RawImage } from './types.ts';

/**
 * Square blocks laid over an image from its top-left corner. The last column and row are
 * cut by the image edge, not stretched: they keep the block size and their colour is the
 * mean of the pixels they actually cover.
 */
export interface PixelGrid {
  /** Side of every block, in displayed pixels. */
  blockSize: number;
  columns: number;
  rows: number;
}

/**
 * The grid with `blocks` square blocks along the image's longer side (the classic 8 to 64
 * strengths). When the side does not divide evenly the block side is rounded to the nearest
 * pixel, so the count along that side may differ from `blocks` by one.
 *
 * @example
 * gridForStrength(4000, 3000, 8); // { blockSize: 500, columns: 8, rows: 6 }
 */
export function gridForStrength(width: number, height: number, blocks: number): PixelGrid {
  const longer = Math.max(width, height);
  return gridForBlockSize(width, height, Math.max(1, Math.round(longer / blocks)));
}

/**
 * The grid of `blockSize` x `blockSize` pixel blocks.
 *
 * @example
 * gridForBlockSize(100, 50, 16); // { blockSize: 16, columns: 7, rows: 4 }
 */
export function gridForBlockSize(width: number, height: number, blockSize: number): PixelGrid {
  return {
    blockSize,
    columns: Math.ceil(width / blockSize),
    rows: Math.ceil(height / blockSize),
  };
}

/**
 * The mean colour of every block: a `columns` x `rows` image, one pixel per block.
 *
 * `source` may be a downscaled copy of the displayed `width` x `height` image; block edges
 * are mapped onto it. Colours are averaged weighted by alpha, so that flattening a block
 * later gives the same colour as flattening its pixels first.
 */
export function blockMeans(
  source: RawImage,
  grid: PixelGrid,
  width: number,
  height: number,
): RawImage {
  const { columns, rows, blockSize } = grid;
  const channels = source.channels;
  const columnOf = blockIndexPerPixel(source.width, width, blockSize, columns);
  const rowOf = blockIndexPerPixel(source.height, height, blockSize, rows);
  const sums = new Float64Array(columns * rows * 4);
  const counts = new Uint32Array(columns * rows);
  const pixels = source.data;

  for (let y = 0; y < source.height; y++) {
    const rowBase = (rowOf[y] ?? 0) * columns;
    let offset = y * source.width * channels;
    for (let x = 0; x < source.width; x++, offset += channels) {
      const block = rowBase + (columnOf[x] ?? 0);
      const alpha = channels === 4 ? (pixels[offset + 3] ?? 0) : 255;
      const at = block * 4;
      sums[at] = (sums[at] ?? 0) + (pixels[offset] ?? 0) * alpha;
      sums[at + 1] = (sums[at + 1] ?? 0) + (pixels[offset + 1] ?? 0) * alpha;
      sums[at + 2] = (sums[at + 2] ?? 0) + (pixels[offset + 2] ?? 0) * alpha;
      sums[at + 3] = (sums[at + 3] ?? 0) + alpha;
      counts[block] = (counts[block] ?? 0) + 1;
    }
  }

  const means = Buffer.alloc(columns * rows * channels);
  for (let block = 0; block < columns * rows; block++) {
    // A last column or row thinner than one pixel of a downscaled copy has no samples of
    // its own: it takes the pixel under its corner.
    if (counts[block] === 0) sampleBlockCorner(source, grid, width, height, block, sums);
    const alphaSum = sums[block * 4 + 3] ?? 0;
    const out = block * channels;
    for (let channel = 0; channel < 3; channel++) {
      means[out + channel] =
        alphaSum > 0 ? Math.round((sums[block * 4 + channel] ?? 0) / alphaSum) : 0;
    }
    if (channels === 4) means[out + 3] = Math.round(alphaSum / Math.max(1, counts[block] ?? 1));
  }
  return { data: means, width: columns, height: rows, channels };
}

function sampleBlockCorner(
  source: RawImage,
  grid: PixelGrid,
  width: number,
  height: number,
  block: number,
  sums: Float64Array,
): void {
  const x = Math.min(
    source.width - 1,
    Math.floor(((block % grid.columns) * grid.blockSize * source.width) / width),
  );
  const y = Math.min(
    source.height - 1,
    Math.floor((Math.floor(block / grid.columns) * grid.blockSize * source.height) / height),
  );
  const offset = (y * source.width + x) * source.channels;
  const alpha = source.channels === 4 ? (source.data[offset + 3] ?? 0) : 255;
  for (let channel = 0; channel < 3; channel++) {
    sums[block * 4 + channel] = (source.data[offset + channel] ?? 0) * alpha;
  }
  sums[block * 4 + 3] = alpha;
}

/**
 * For each pixel along one axis of the (possibly downscaled) source, the index of the block
 * it falls in. Every block gets at least one source pixel, however small the copy.
 */
function blockIndexPerPixel(
  sourceLength: number,
  length: number,
  blockSize: number,
  blocks: number,
) {
  const scale = sourceLength / length;
  const indexOf = new Int32Array(sourceLength);
  for (let position = 0; position < sourceLength; position++) {
    indexOf[position] = Math.min(blocks - 1, Math.floor((position + 0.5) / scale / blockSize));
  }
  return indexOf;
}

/**
 * Enlarges one-pixel-per-block means back to `width` x `height` with exact square blocks:
 * an integer nearest-neighbour upscale (libvips' fast path), then a crop of the overhang
 * at the right and bottom edges.
 */
export function enlargeBlocks(
  means: RawImage,
  grid: PixelGrid,
  width: number,
  height: number,
): Sharp {
  const raw = { width: means.width, height: means.height, channels: means.channels };
  return sharp(means.data, { raw })
    .resize(grid.columns * grid.blockSize, grid.rows * grid.blockSize, {
      kernel: 'nearest',
      fit: 'fill',
    })
    .extract({ left: 0, top: 0, width, height });
}
