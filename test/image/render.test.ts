import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { RejectionError } from '../../src/errors.ts';
import { defaultLimits } from '../../src/image/limits.ts';
import { renderImage } from '../../src/image/render.ts';
import { defaultRecipe } from '../../src/recipe/recipe.ts';
import { fixture, pixelsOf } from '../support/fixtures.ts';

const render = async (name: string) =>
  renderImage(name, await fixture(name), defaultRecipe, defaultLimits);

describe('rendering the default recipe', () => {
  it('writes five pixelations at the displayed size and two formats at four widths', async () => {
    const { outputs } = await render('Landscape_1.jpg');
    expect(outputs.map((output) => output.name)).toEqual([
      'pixelated-grid-8.jpg',
      'pixelated-grid-16.jpg',
      'pixelated-grid-32.jpg',
      'pixelated-grid-48.jpg',
      'pixelated-grid-64.jpg',
      'w320.jpg',
      'w320.webp',
      'w640.jpg',
      'w640.webp',
      'w1280.jpg',
      'w1280.webp',
      'w1920.jpg',
      'w1920.webp',
    ]);
    for (const output of outputs) {
      const metadata = await sharp(output.data).metadata();
      expect([metadata.format, metadata.width, metadata.height]).toEqual([
        output.format,
        output.width,
        output.height,
      ]);
    }
    const w640 = outputs.find((output) => output.name === 'w640.webp');
    expect([w640?.width, w640?.height]).toEqual([640, 427]);
  });

  it('never enlarges: a width larger than the image is written at the image size', async () => {
    const { outputs } = await render('Landscape_1.jpg');
    const w1920 = outputs.find((output) => output.name === 'w1920.jpg');
    expect([w1920?.width, w1920?.height]).toEqual([1800, 1200]);
  });

  it('encodes copies that come out the same once, and writes them under each key', async () => {
    // Landscape_1 is 1800 px wide: its 1920 copies are kept at 1800, unlike the 1280 ones.
    const { outputs: landscape } = await render('Landscape_1.jpg');
    const named = (name: string) => landscape.find((output) => output.name === name)!;
    expect(named('w1920.jpg').data).not.toBe(named('w1280.jpg').data);

    // Android_Depth_Map is 768 px wide: the 1280 and 1920 copies are both kept at 768.
    const { outputs } = await render('Android_Depth_Map.jpg');
    const output = (name: string) => outputs.find((candidate) => candidate.name === name)!;
    for (const format of ['jpg', 'webp']) {
      const [w1280, w1920] = [output(`w1280.${format}`), output(`w1920.${format}`)];
      expect([w1920.width, w1920.height, w1920.key]).toEqual([
        768,
        1024,
        'Android_Depth_Map.jpg/w1920.' + format,
      ]);
      expect(w1280.key).toBe(`Android_Depth_Map.jpg/w1280.${format}`);
      expect(w1920.data).toBe(w1280.data);
    }
    expect(output('w640.jpg').data).not.toBe(output('w1280.jpg').data);
  });

  let reference: Awaited<ReturnType<typeof pixelsOf>> | undefined;

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'turns EXIF orientation %i upright in every output',
    async (orientation) => {
      const { info, outputs } = await render(`Landscape_${orientation}.jpg`);
      expect([info.width, info.height, info.orientation]).toEqual([1800, 1200, orientation]);
      reference ??= await pixelsOf(
        (await render('Landscape_0.jpg')).outputs.find((o) => o.name === 'w320.jpg')!.data,
      );
      const resized = await pixelsOf(outputs.find((output) => output.name === 'w320.jpg')!.data);
      expect([resized.width, resized.height]).toEqual([320, 213]);
      // The fixtures show the same photo; upright, the top-left sky and bottom-right rock agree.
      for (const [x, y] of [
        [10, 10],
        [300, 200],
        [160, 30],
      ] as const) {
        const difference = resized
          .at(x, y)
          .map((value, c) => Math.abs(value - reference!.at(x, y)[c]!));
        expect(Math.max(...difference)).toBeLessThan(40);
      }
    },
  );

  it('writes no EXIF, GPS or other metadata into any output', async () => {
    const { outputs } = await render('Oppo_R7_Plus_13MP_gps.jpg');
    for (const output of outputs) {
      const metadata = await sharp(output.data).metadata();
      expect(metadata.exif, output.name).toBeUndefined();
      expect(metadata.xmp, output.name).toBeUndefined();
      expect(metadata.orientation ?? 1, output.name).toBe(1);
    }
  });

  it('pixelates with square blocks of one colour each, on a non-square photo', async () => {
    const { outputs } = await render('Landscape_1.jpg');
    const pixelated = await pixelsOf(
      outputs.find((output) => output.name === 'pixelated-grid-8.jpg')!.data,
    );
    // 1800 px / 8 blocks = 225 px squares; 1200 / 225 = 5.33 rows, the last one cut.
    const block = 225;
    for (const [column, row] of [
      [0, 0],
      [3, 2],
      [7, 5],
    ] as const) {
      const centre = pixelated.at(column * block + 100, row * block + 30);
      // 16 px in from the edges, clear of the JPEG ringing that a sharp edge leaves.
      for (const [dx, dy] of [
        [16, 16],
        [block - 16, 16],
        [16, row === 5 ? 60 : block - 16],
      ] as const) {
        const inside = pixelated.at(column * block + dx, row * block + dy);
        expect(
          Math.max(...inside.map((value, c) => Math.abs(value - centre[c]!))),
        ).toBeLessThanOrEqual(4);
      }
    }
  });

  it('flattens transparency onto white in JPEG outputs, never black', async () => {
    const { info, outputs } = await render('rgba_blackbug.png');
    expect(info.hasAlpha).toBe(true);
    const corner = await pixelsOf(outputs.find((output) => output.name === 'w320.jpg')!.data);
    expect(Math.min(...corner.at(2, 2))).toBeGreaterThan(240);
  });

  it('refuses a text file with the reason, naming the object', async () => {
    const attempt = renderImage(
      'notes/shopping.txt',
      Buffer.from('%PDF-1.7 not really'),
      defaultRecipe,
      defaultLimits,
    );
    await expect(attempt).rejects.toBeInstanceOf(RejectionError);
    await expect(attempt).rejects.toThrow(
      "notes/shopping.txt: not an image (starts with '%PDF-1.7')",
    );
  });
});
