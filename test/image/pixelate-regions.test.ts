import { describe, expect, it } from 'vitest';

import { decodeUpright } from '../../src/image/decode.ts';
import { defaultLimits } from '../../src/image/limits.ts';
import {
  pixelateRegions,
  type Region,
  regionBlockSize,
  withMargin,
} from '../../src/image/pixelate-regions.ts';
import type { RawImage } from '../../src/image/types.ts';
import { fixture } from '../support/fixtures.ts';

const photo = async () =>
  decodeUpright('Landscape_1.jpg', await fixture('Landscape_1.jpg'), 1800, defaultLimits);

function inside(region: Region, x: number, y: number) {
  return (
    x >= region.left &&
    x < region.left + region.width &&
    y >= region.top &&
    y < region.top + region.height
  );
}

function pixel(image: RawImage, x: number, y: number) {
  const offset = (y * image.width + x) * image.channels;
  return [...image.data.subarray(offset, offset + image.channels)];
}

describe('pixelating regions of an image', () => {
  const regions: Region[] = [
    { left: 100, top: 120, width: 240, height: 160 },
    { left: 1700, top: 1100, width: 300, height: 300 },
  ];

  it('leaves every pixel outside the regions exactly as it was', async () => {
    const image = await photo();
    const redacted = pixelateRegions(image, regions);
    let changedOutside = 0;
    let changedInside = 0;
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const offset = (y * image.width + x) * image.channels;
        const same =
          image.data.compare(redacted.data, offset, offset + 3, offset, offset + 3) === 0;
        if (regions.some((region) => inside(region, x, y))) changedInside += same ? 0 : 1;
        else changedOutside += same ? 0 : 1;
      }
    }
    expect(changedOutside).toBe(0);
    expect(changedInside).toBeGreaterThan(240 * 160 * 0.5);
  });

  it('covers a region with blocks of one colour, 8 along its longer side by default', async () => {
    const image = await photo();
    const redacted = pixelateRegions(image, regions);
    const region = regions[0]!;
    const blockSize = regionBlockSize(region, { blocksAcross: 8 });
    expect(blockSize).toBe(30);
    for (let column = 0; column < 8; column++) {
      const left = region.left + column * blockSize;
      const colour = pixel(redacted, left, region.top);
      expect(pixel(redacted, left + blockSize - 1, region.top + blockSize - 1)).toEqual(colour);
    }
    const distinct = new Set(
      Array.from({ length: 8 }, (_, column) =>
        pixel(redacted, region.left + column * blockSize + 5, region.top + 5).join(),
      ),
    );
    expect(distinct.size).toBeGreaterThan(1);
  });

  it('scales the block with the region, so a large face gets no more detail than a small one', () => {
    const small = regionBlockSize({ left: 0, top: 0, width: 40, height: 50 }, { blocksAcross: 8 });
    const large = regionBlockSize(
      { left: 0, top: 0, width: 400, height: 500 },
      { blocksAcross: 8 },
    );
    expect([small, large]).toEqual([7, 63]);
    expect(Math.ceil(500 / large)).toBe(8);
  });

  it('cuts a region at the image edge without touching pixels beyond it', async () => {
    const image = await photo();
    const redacted = pixelateRegions(image, [regions[1]!]);
    expect([redacted.width, redacted.height]).toEqual([1800, 1200]);
    expect(pixel(redacted, 1699, 1199)).toEqual(pixel(image, 1699, 1199));
    expect(pixel(redacted, 1799, 1199)).not.toEqual(pixel(image, 1799, 1199));
  });

  it('leaves the image it was given unchanged', async () => {
    const image = await photo();
    const before = Buffer.from(image.data);
    pixelateRegions(image, regions);
    expect(image.data.equals(before)).toBe(true);
  });

  it('grows a box by its margin on every side and clips it to the image', () => {
    expect(withMargin({ left: 100, top: 100, width: 40, height: 50 }, 0.25, 640, 480)).toEqual({
      left: 90,
      top: 87,
      width: 60,
      height: 76,
    });
    expect(withMargin({ left: 5, top: 450, width: 40, height: 40 }, 0.5, 640, 480)).toEqual({
      left: 0,
      top: 430,
      width: 65,
      height: 50,
    });
  });
});
