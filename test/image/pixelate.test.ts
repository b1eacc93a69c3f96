import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import {
  blockMeans,
  enlargeBlocks,
  gridForBlockSize,
  gridForStrength,
} from '../../src/image/pixelate.ts';
import type { RawImage } from '../../src/image/types.ts';
import { fixture } from '../support/fixtures.ts';

async function uprightRaw(bytes: Buffer, width?: number): Promise<RawImage> {
  const { data, info } = await sharp(bytes)
    .rotate()
    .resize({ width })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels === 4 ? 4 : 3 };
}

function meanOfRegion(image: RawImage, left: number, top: number, right: number, bottom: number) {
  const sums = [0, 0, 0];
  for (let y = top; y < bottom; y++) {
    for (let x = left; x < right; x++) {
      for (let c = 0; c < 3; c++)
        sums[c]! += image.data[(y * image.width + x) * image.channels + c]!;
    }
  }
  const count = (right - left) * (bottom - top);
  return sums.map((sum) => sum / count);
}

describe('pixelation grids', () => {
  it('divides the longer side into the requested number of square blocks', () => {
    expect(gridForStrength(4000, 3000, 8)).toEqual({ blockSize: 500, columns: 8, rows: 6 });
    expect(gridForStrength(3000, 4000, 8)).toEqual({ blockSize: 500, columns: 6, rows: 8 });
  });

  it('keeps blocks square on a very wide image instead of stretching them', () => {
    const grid = gridForStrength(1800, 300, 16);
    expect(grid.blockSize).toBe(113);
    expect(grid.columns).toBe(16);
    expect(grid.rows).toBe(3);
  });

  it('cuts the last column and row at the edge rather than stretching them', () => {
    expect(gridForBlockSize(100, 50, 16)).toEqual({ blockSize: 16, columns: 7, rows: 4 });
  });

  it('never makes a block smaller than one pixel', () => {
    expect(gridForStrength(10, 10, 64).blockSize).toBe(1);
  });
});

describe('block means', () => {
  it('gives every block the exact mean of the pixels it covers at full size', async () => {
    const image = await uprightRaw(await fixture('Landscape_1.jpg'));
    const grid = gridForBlockSize(image.width, image.height, 130);
    const means = blockMeans(image, grid, image.width, image.height);
    expect(means.width).toBe(grid.columns);

    const lastColumn = grid.columns - 1;
    const lastRow = grid.rows - 1;
    for (const [column, row] of [
      [0, 0],
      [3, 2],
      [lastColumn, lastRow],
    ] as const) {
      const expected = meanOfRegion(
        image,
        column * 130,
        row * 130,
        Math.min(image.width, (column + 1) * 130),
        Math.min(image.height, (row + 1) * 130),
      );
      const offset = (row * grid.columns + column) * means.channels;
      for (let c = 0; c < 3; c++)
        expect(Math.abs(means.data[offset + c]! - expected[c]!)).toBeLessThanOrEqual(0.5);
    }
  });

  it('stays within a few grey levels of the full-size mean when computed from a downscaled copy', async () => {
    const bytes = await fixture('Landscape_1.jpg');
    const full = await uprightRaw(bytes);
    const small = await uprightRaw(bytes, 450);
    const grid = gridForStrength(full.width, full.height, 16);
    const exact = blockMeans(full, grid, full.width, full.height);
    const approximate = blockMeans(small, grid, full.width, full.height);
    let worst = 0;
    for (let i = 0; i < exact.data.length; i++)
      worst = Math.max(worst, Math.abs(exact.data[i]! - approximate.data[i]!));
    expect(worst).toBeLessThanOrEqual(6);
  });

  it('weights colours by alpha so transparent pixels do not darken a block', () => {
    const data = Buffer.from([255, 0, 0, 255, 0, 0, 0, 0]);
    const means = blockMeans(
      { data, width: 2, height: 1, channels: 4 },
      gridForBlockSize(2, 1, 2),
      2,
      1,
    );
    expect([...means.data]).toEqual([255, 0, 0, 128]);
  });
});

describe('enlarged blocks', () => {
  it('renders exact squares aligned to the top-left corner, cropped at the edges', async () => {
    const means: RawImage = {
      data: Buffer.from([10, 20, 30, 200, 100, 50, 0, 255, 0, 90, 90, 90]),
      width: 2,
      height: 2,
      channels: 3,
    };
    const grid = { blockSize: 7, columns: 2, rows: 2 };
    const { data, info } = await enlargeBlocks(means, grid, 12, 10)
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([12, 10]);
    const at = (x: number, y: number) => [...data.subarray((y * 12 + x) * 3, (y * 12 + x) * 3 + 3)];
    expect(at(0, 0)).toEqual([10, 20, 30]);
    expect(at(6, 6)).toEqual([10, 20, 30]);
    expect(at(7, 0)).toEqual([200, 100, 50]);
    expect(at(11, 6)).toEqual([200, 100, 50]);
    expect(at(0, 7)).toEqual([0, 255, 0]);
    expect(at(11, 9)).toEqual([90, 90, 90]);
  });
});
