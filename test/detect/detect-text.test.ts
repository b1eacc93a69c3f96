import { beforeAll, describe, expect, it } from 'vitest';

import { defaultTextSearch, detectText } from '../../src/detect/detect-text.ts';
import { defaultDetectionSettings, regionDetectors } from '../../src/detect/region-detectors.ts';
import { type LoadedModel, loadModel } from '../../src/detect/load-model.ts';
import { defaultLimits } from '../../src/image/limits.ts';
import { renderImage } from '../../src/image/render.ts';
import { decodeUpright } from '../../src/image/decode.ts';
import { presetRecipes } from '../../src/recipe/presets.ts';
import { recipeFor } from '../../src/recipe/recipe.ts';
import { fixture, pixelsOf } from '../support/fixtures.ts';
import { faceFixture } from '../support/faces.ts';

let model: LoadedModel;
beforeAll(async () => {
  model = await loadModel(defaultDetectionSettings.textModelPath);
});

/** The words printed on the orientation fixtures, where they show when the photo is upright. */
const words: Record<string, [number, number]> = {
  top: [900, 68],
  left: [88, 584],
  right: [1694, 591],
  bottom: [902, 1130],
};

const covers = (
  box: { left: number; top: number; width: number; height: number },
  [x, y]: [number, number],
) => x >= box.left && x < box.left + box.width && y >= box.top && y < box.top + box.height;

describe('finding text with the PP-OCRv4 detector', () => {
  it.each(['Landscape_1.jpg', 'Landscape_6.jpg', 'Landscape_8.jpg'])(
    'finds every word printed on %s where it is displayed',
    async (name) => {
      const image = await decodeUpright(name, await fixture(name), 1800, defaultLimits);
      expect([image.width, image.height]).toEqual([1800, 1200]);
      const { detections, audit } = await detectText(image, model);
      for (const [word, centre] of Object.entries(words)) {
        expect(
          detections.some(({ box }) => covers(box, centre)),
          `${name}: '${word}'`,
        ).toBe(true);
      }
      expect(detections.length).toBeLessThanOrEqual(6);
      expect(audit).toMatchObject({
        detector: 'pp-ocrv4-det',
        modelSha256: '30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff',
        thresholds: { minScore: defaultTextSearch.minScore, maxSide: 1280 },
      });
    },
  );

  it('finds no text on the photo of a cat', async () => {
    const image = await decodeUpright(
      'cat',
      await faceFixture('negative_cat_0faces.jpg'),
      320,
      defaultLimits,
    );
    expect((await detectText(image, model)).detections).toEqual([]);
  });

  it('pixelates faces and text in one output under the privacy-text preset', async () => {
    const { outputs } = await renderImage(
      'Landscape_6.jpg',
      await fixture('Landscape_6.jpg'),
      recipeFor(presetRecipes('privacy-text'), 'Landscape_6.jpg'),
      defaultLimits,
      { detectors: regionDetectors(defaultDetectionSettings) },
    );
    const redacted = outputs.find((output) => output.name === 'pixelated-faces-text.jpg');
    expect(redacted?.redaction?.detectors.map((detector) => detector.target)).toEqual([
      'faces',
      'text',
    ]);
    const regions = redacted?.redaction?.regions ?? [];
    expect(regions.filter((region) => region.source === 'text').length).toBeGreaterThanOrEqual(4);
    const pixels = await pixelsOf(redacted!.data);
    expect([pixels.width, pixels.height]).toEqual([1800, 1200]);
    // Inside a word's region the blocks hide the letters: one colour across the block.
    const top = regions.find(({ region }) => covers(region, words.top!))!.region;
    const blockSize = Math.ceil(Math.max(top.width, top.height) / 8);
    const corner = pixels.at(top.left + 3, top.top + 3);
    const across = pixels.at(top.left + blockSize - 4, top.top + blockSize - 4);
    expect(Math.max(...corner.map((value, c) => Math.abs(value - across[c]!)))).toBeLessThanOrEqual(
      6,
    );
  });
});
