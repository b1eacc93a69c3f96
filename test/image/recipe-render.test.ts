import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { defaultLimits } from '../../src/image/limits.ts';
import { type RenderContext, renderImage } from '../../src/image/render.ts';
import { parseConfig } from '../../src/recipe/load-config.ts';
import type { ConfigInput } from '../../src/recipe/schema.ts';
import { fixture, pixelsOf } from '../support/fixtures.ts';

type Outputs = NonNullable<ConfigInput['outputs']>;

async function renderWith(bytes: Buffer, outputs: Outputs, context?: RenderContext, key = 'a.jpg') {
  const recipe = parseConfig(JSON.stringify({ outputs }), 'test.json').fallback;
  return (await renderImage(key, bytes, recipe, defaultLimits, context)).outputs;
}

/** Every pixel of an upright source, decoded as pixelater decodes it. */
async function sourcePixels(bytes: Buffer) {
  return pixelsOf(await sharp(bytes).rotate().png().toBuffer());
}

const same = (a: number[], b: number[]) => a.every((value, c) => value === b[c]);

function distinctColours(image: Awaited<ReturnType<typeof pixelsOf>>): number {
  const colours = new Set<number>();
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const [r, g, b] = image.at(x, y);
      colours.add((r << 16) | (g << 8) | b);
    }
  }
  return colours.size;
}

/** Top half red, bottom half blue: where a crop was taken is visible in its colour. */
function redOverBlue(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height: height / 2, channels: 3, background: '#ff0000' } })
    .extend({ bottom: height / 2, background: '#0000ff' })
    .png()
    .toBuffer();
}

describe('pixelation by block size', () => {
  it('writes exact squares of one colour, the mean of the photo under each, cut at the edges', async () => {
    const bytes = await fixture('Landscape_1.jpg');
    const [output] = await renderWith(bytes, [{ pixelate: { blockSize: 100 }, format: 'png' }]);
    const pixelated = await pixelsOf(output!.data);
    const source = await sourcePixels(bytes);
    expect([pixelated.width, pixelated.height]).toEqual([1800, 1200]);

    for (const [column, row] of [
      [0, 0],
      [7, 5],
      [17, 11],
    ] as const) {
      const corner = pixelated.at(column * 100, row * 100);
      for (const [dx, dy] of [
        [99, 0],
        [0, 99],
        [99, 99],
        [50, 50],
      ] as const) {
        expect(pixelated.at(column * 100 + dx, row * 100 + dy)).toEqual(corner);
      }
      // Neighbouring blocks start exactly 100 px on: the grid is aligned to the top-left.
      const sums = [0, 0, 0];
      for (let y = row * 100; y < row * 100 + 100; y++)
        for (let x = column * 100; x < column * 100 + 100; x++)
          source.at(x, y).forEach((value, c) => (sums[c]! += value));
      const mean = sums.map((sum) => sum / 10_000);
      for (let c = 0; c < 3; c++) expect(Math.abs(corner[c]! - mean[c]!)).toBeLessThanOrEqual(6);
    }
  });

  it('gives one pixel per block when small, or a whole number of pixels per block', async () => {
    const bytes = await fixture('Landscape_1.jpg');
    const outputs = await renderWith(bytes, [
      { pixelate: { grid: 8, size: 'small' }, format: 'png' },
      { pixelate: { grid: 8, size: 'small', pixelsPerBlock: 4 }, format: 'png' },
    ]);
    const [one, four] = await Promise.all(outputs.map((output) => pixelsOf(output.data)));
    // 1800 / 8 = 225 px blocks: 8 across, 5 1/3 down, so 6 rows, the last one cut.
    expect([one!.width, one!.height]).toEqual([8, 6]);
    expect([four!.width, four!.height]).toEqual([32, 22]);
    for (const [column, row] of [
      [0, 0],
      [5, 3],
    ] as const) {
      for (const [dx, dy] of [
        [1, 0],
        [3, 3],
      ] as const)
        expect(four!.at(column * 4 + dx, row * 4 + dy)).toEqual(four!.at(column * 4, row * 4));
      expect(
        Math.max(
          ...four!.at(column * 4, row * 4).map((v, c) => Math.abs(v - one!.at(column, row)[c]!)),
        ),
      ).toBeLessThanOrEqual(1);
    }
  });
});

describe('pixel art', () => {
  it('reduces the blocks to the palette size, dithered or not, and keeps them square', async () => {
    const bytes = await fixture('Landscape_1.jpg');
    const outputs = await renderWith(bytes, [
      { pixelate: { grid: 48, palette: { colours: 6 } }, format: 'png' },
      {
        pixelate: { grid: 48, palette: { colours: 6, dither: true } },
        format: 'png',
        name: 'dithered',
      },
      { pixelate: { grid: 48, palette: { colours: 16 } }, format: 'gif' },
    ]);
    const [plain, dithered, gif] = await Promise.all(
      outputs.map((output) => pixelsOf(output.data)),
    );
    expect(distinctColours(plain!)).toBeLessThanOrEqual(6);
    expect(distinctColours(plain!)).toBeGreaterThan(2);
    expect(distinctColours(dithered!)).toBeLessThanOrEqual(6);
    expect(distinctColours(gif!)).toBeLessThanOrEqual(16);

    let differing = 0;
    for (let y = 0; y < 1200; y += 38)
      for (let x = 0; x < 1800; x += 38)
        if (!same(plain!.at(x, y), dithered!.at(x, y))) differing++;
    expect(differing).toBeGreaterThan(0);

    // 1800 / 48 = 37.5, rounded to 38 px blocks.
    expect(dithered!.at(38 * 3 + 37, 38 * 2 + 37)).toEqual(dithered!.at(38 * 3, 38 * 2));
  });
});

describe('regions', () => {
  const watermark = { left: 0.75, top: 0.9, width: 0.25, height: 0.1, unit: 'fraction' } as const;

  it('pixelates only the rectangles and leaves every other pixel exactly as decoded', async () => {
    const bytes = await fixture('Landscape_1.jpg');
    const [output] = await renderWith(bytes, [
      {
        pixelate: {
          blockSize: 30,
          regions: { rectangles: [watermark, { left: 0, top: 0, width: 90, height: 60 }] },
        },
        format: 'png',
      },
    ]);
    expect(output!.name).toBe('pixelated-block-30px-regions.png');
    const pixelated = await pixelsOf(output!.data);
    const source = await sourcePixels(bytes);

    let untouched = 0;
    const changed: string[] = [];
    for (let y = 0; y < 1200; y += 3) {
      for (let x = 0; x < 1800; x += 3) {
        const inside = (x >= 1350 && y >= 1080) || (x < 90 && y < 60);
        if (inside) continue;
        if (!same(pixelated.at(x, y), source.at(x, y))) changed.push(`${x},${y}`);
        untouched++;
      }
    }
    expect(changed).toEqual([]);
    expect(untouched).toBeGreaterThan(200_000);
    // Blocks keep the image-wide grid: 1350 = 45 x 30, so the region starts on a block edge.
    expect(pixelated.at(1350 + 29, 1080 + 29)).toEqual(pixelated.at(1350, 1080));
    expect(pixelated.at(89, 59)).toEqual(pixelated.at(60, 30));
    expect(
      same(pixelated.at(1799, 1199), source.at(1799, 1199)) &&
        same(pixelated.at(1790, 1190), source.at(1790, 1190)),
    ).toBe(false);
  });

  it("uses the object's own rectangles, and pixelates everything when it gives none", async () => {
    const bytes = await redOverBlue(200, 200);
    const outputs = [
      { pixelate: { blockSize: 200, regions: { sources: ['object'] } }, format: 'png' },
    ] as Outputs;
    const [withRegions] = await renderWith(bytes, outputs, {
      objectRegions: [{ left: 0, top: 0, width: 200, height: 150, unit: 'px' }],
    });
    const regional = await pixelsOf(withRegions!.data);
    // One block over the whole image: its mean is purple; the strip below the region stays blue.
    expect(regional.at(10, 10)).toEqual(regional.at(190, 140));
    expect(regional.at(10, 10)[0]).toBeGreaterThan(100);
    expect(regional.at(10, 10)[2]).toBeGreaterThan(100);
    expect(regional.at(10, 160)).toEqual([0, 0, 255]);

    const [none] = await renderWith(bytes, outputs, {});
    expect((await pixelsOf(none!.data)).at(10, 190)).toEqual(regional.at(10, 10));

    const leave = [
      {
        pixelate: { blockSize: 200, regions: { sources: ['object'], whenNoneFound: 'leave' } },
        format: 'png',
      },
    ] as Outputs;
    const [left] = await renderWith(bytes, leave, {});
    expect((await pixelsOf(left!.data)).at(10, 10)).toEqual([255, 0, 0]);
  });
});

describe('resizing', () => {
  it('crops cover at the chosen position, pads contain with the background, and stretches fill', async () => {
    const bytes = await redOverBlue(200, 400);
    const outputs = await renderWith(bytes, [
      { resize: { width: 100, height: 100, fit: 'cover', position: 'north' }, format: 'png' },
      { resize: { width: 100, height: 100, fit: 'cover', position: 'south' }, format: 'png' },
      { resize: { width: 100, height: 100, fit: 'cover' }, format: 'png' },
      { resize: { width: 100, height: 100, fit: 'contain', background: '#00ff00' }, format: 'png' },
      { resize: { width: 100, height: 100, fit: 'fill' }, format: 'png' },
    ]);
    const [north, south, centre, contain, fill] = await Promise.all(
      outputs.map((o) => pixelsOf(o.data)),
    );
    expect([north!.width, north!.height]).toEqual([100, 100]);
    expect(north!.at(50, 90)).toEqual([255, 0, 0]);
    expect(south!.at(50, 10)).toEqual([0, 0, 255]);
    expect(centre!.at(50, 10)).toEqual([255, 0, 0]);
    expect(centre!.at(50, 90)).toEqual([0, 0, 255]);
    expect(contain!.at(5, 50)).toEqual([0, 255, 0]);
    expect(contain!.at(50, 10)).toEqual([255, 0, 0]);
    expect([fill!.width, fill!.height]).toEqual([100, 100]);
    expect(fill!.at(50, 10)).toEqual([255, 0, 0]);
    expect(fill!.at(50, 90)).toEqual([0, 0, 255]);
  });

  it('finds the subject with the attention strategy', async () => {
    // A plain grey field with one bright, busy square near the right edge.
    const detail = await sharp({
      create: { width: 60, height: 60, channels: 3, background: '#ff2000' },
    })
      .composite([
        {
          input: { create: { width: 30, height: 30, channels: 3, background: '#00ffff' } },
          left: 15,
          top: 15,
        },
      ])
      .png()
      .toBuffer();
    const bytes = await sharp({
      create: { width: 400, height: 100, channels: 3, background: '#808080' },
    })
      .composite([{ input: detail, left: 320, top: 20 }])
      .png()
      .toBuffer();
    const [output] = await renderWith(bytes, [
      { resize: { width: 100, height: 100, fit: 'cover', position: 'attention' }, format: 'png' },
    ]);
    const crop = await pixelsOf(output!.data);
    let coloured = 0;
    for (let y = 0; y < 100; y += 5)
      for (let x = 0; x < 100; x += 5) if (!same(crop.at(x, y), [128, 128, 128])) coloured++;
    expect(coloured).toBeGreaterThan(50);
  });
});

describe('formats and metadata', () => {
  it('writes AVIF, PNG and GIF, and keeps the source format for original', async () => {
    const png = await fixture('rgba_blackbug.png');
    const outputs = await renderWith(
      png,
      [
        { resize: { width: 64 }, format: 'avif', quality: 40, effort: 0 },
        { resize: { width: 64 }, format: 'gif', effort: 1 },
        { resize: { width: 64 }, format: 'original' },
      ],
      {},
      'bug.png',
    );
    const formats = await Promise.all(
      outputs.map(async (o) => [o.name, (await sharp(o.data).metadata()).format]),
    );
    expect(formats).toEqual([
      ['w64.avif', 'heif'],
      ['w64.gif', 'gif'],
      ['w64.png', 'png'],
    ]);
    const [tiffOriginal] = await renderWith(
      await fixture('uncompressed_rgb.tiff'),
      [{ resize: { width: 64 }, format: 'original' }],
      {},
      'scan.tiff',
    );
    expect([tiffOriginal!.name, tiffOriginal!.contentType]).toEqual(['w64.jpg', 'image/jpeg']);
  });

  it('strips everything by default, and keeps only the colour profile and copyright when asked', async () => {
    const bytes = await sharp(await fixture('DSCN0010.jpg'))
      .keepExif()
      .withExifMerge({ IFD0: { Copyright: '(c) 2024 Ann Example', Artist: 'Ann Example' } })
      .jpeg()
      .toBuffer();
    expect((await sharp(bytes).metadata()).exif?.toString('latin1')).toContain('NIKON');
    const outputs = await renderWith(bytes, [
      { resize: { width: 64 } },
      { resize: { width: 64 }, format: 'webp', metadata: { iccProfile: true, copyright: true } },
      { resize: { width: 64 }, name: 'kept', metadata: { iccProfile: true, copyright: true } },
    ]);
    const [stripped, webp, jpeg] = await Promise.all(outputs.map((o) => sharp(o.data).metadata()));
    expect(stripped!.exif).toBeUndefined();
    expect(stripped!.icc).toBeUndefined();
    for (const kept of [webp!, jpeg!]) {
      expect(kept.icc).toBeDefined();
      const exif = kept.exif!.toString('latin1');
      expect(exif).toContain('(c) 2024 Ann Example');
      expect(exif).toContain('Ann Example');
      expect(exif).not.toContain('NIKON');
      expect(kept.exif!.includes(Buffer.from([0x88, 0x25]))).toBe(false);
    }
  });
});

describe('the moderation preview', () => {
  it('is a small WebP of 12 strong blocks, 16 px each', async () => {
    const [output] = await renderWith(await fixture('Landscape_1.jpg'), [
      { preset: 'moderation-preview' },
    ]);
    expect([output!.name, output!.width, output!.height]).toEqual([
      'moderation-preview.webp',
      192,
      128,
    ]);
    const preview = await pixelsOf(output!.data);
    expect([preview.width, preview.height]).toEqual([192, 128]);
  });
});
