import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { defaultDetectionSettings, regionDetectors } from '../../src/detect/region-detectors.ts';
import { decodeUpright } from '../../src/image/decode.ts';
import { defaultLimits } from '../../src/image/limits.ts';
import type { PixelRect } from '../../src/image/regions.ts';
import { renderImage } from '../../src/image/render.ts';
import { recipeFromOutputs } from '../../src/recipe/recipe.ts';
import { faceCentres, faceFixture, faceFixtures } from '../support/faces.ts';
import { pixelsOf } from '../support/fixtures.ts';

// PNG, so that every pixel outside the regions can be compared exactly with the source's.
const recipe = recipeFromOutputs('faces', [
  {
    pixelate: { regions: { sources: ['faces'], whenNoneFound: 'leave' } },
    format: 'png',
    name: 'pixelated-faces',
  },
]);
const detectors = regionDetectors(defaultDetectionSettings);

const inside = (rect: PixelRect, x: number, y: number) =>
  x >= rect.left && x < rect.left + rect.width && y >= rect.top && y < rect.top + rect.height;

/** Renders the faces output and checks it against the upright source, pixel by pixel. */
async function checkFaces(key: string, bytes: Buffer, centres: Array<[number, number]>) {
  const { outputs } = await renderImage(key, bytes, recipe, defaultLimits, { detectors });
  const [output] = outputs;
  const regions = output!.redaction!.regions.map(({ region }) => region);
  for (const [x, y] of centres) {
    expect(
      regions.some((region) => inside(region, x, y)),
      `${key}: face at ${x},${y}`,
    ).toBe(true);
  }

  const pixelated = await pixelsOf(output!.data);
  const upright = await decodeUpright(key, bytes, 100_000, defaultLimits);
  const source = await pixelsOf(await sharp(upright.data, { raw: upright }).png().toBuffer());
  expect([pixelated.width, pixelated.height]).toEqual([source.width, source.height]);
  let changedOutside = 0;
  let changedInside = 0;
  for (let y = 0; y < source.height; y++) {
    for (let x = 0; x < source.width; x++) {
      const same = pixelated.at(x, y).every((value, c) => value === source.at(x, y)[c]);
      if (regions.some((region) => inside(region, x, y))) changedInside += same ? 0 : 1;
      else if (!same) changedOutside++;
    }
  }
  expect(changedOutside, `${key}: pixels changed outside the regions`).toBe(0);
  return { regions, changedInside };
}

describe('pixelating the faces of the faces fixtures', () => {
  it.each(faceFixtures().map((entry) => [entry.file, entry.faceCount] as const))(
    '%s: every one of its %i counted faces is covered, and no pixel outside is touched',
    async (file, faceCount) => {
      const centres = faceCentres[file] ?? [];
      expect(centres).toHaveLength(faceCount);
      const { regions, changedInside } = await checkFaces(file, await faceFixture(file), centres);
      if (faceCount === 0) expect(regions).toEqual([]);
      else expect(changedInside).toBeGreaterThan(0);
    },
  );

  it('covers the faces of a copy stored sideways (EXIF orientation 6) where they are displayed', async () => {
    const sideways = await sharp(await faceFixture('three_3faces.jpg'))
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    const { regions } = await checkFaces(
      'sideways.jpg',
      sideways,
      faceCentres['three_3faces.jpg'] ?? [],
    );
    expect(regions.length).toBeGreaterThanOrEqual(3);
  });
});
