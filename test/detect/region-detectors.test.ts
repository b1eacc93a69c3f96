import { describe, expect, it } from 'vitest';

import { DetectionFailedError } from '../../src/detect/errors.ts';
import { defaultDetectionSettings, regionDetectors } from '../../src/detect/region-detectors.ts';
import { decodeUpright } from '../../src/image/decode.ts';
import { defaultLimits } from '../../src/image/limits.ts';
import { renderImage } from '../../src/image/render.ts';
import { presetRecipes } from '../../src/recipe/presets.ts';
import { recipeFor } from '../../src/recipe/recipe.ts';
import { fixture } from '../support/fixtures.ts';

const privacy = recipeFor(presetRecipes('privacy'), 'photos/Landscape_1.jpg');
const hurried = () => regionDetectors({ ...defaultDetectionSettings, timeoutMs: 1 });

describe('the region detectors the pipeline hands to the renderer', () => {
  it('gives up on a search that runs past its time limit', async () => {
    const bytes = await fixture('Landscape_1.jpg');
    const image = await decodeUpright('Landscape_1.jpg', bytes, 1800, defaultLimits);
    // A search of 1800 x 1200 pixels runs a dozen model passes: far longer than 1 ms.
    const faces = hurried().find((detector) => detector.source === 'faces')!;
    await expect(faces.detect(image, 1800, 1200)).rejects.toThrow(
      'face detection did not finish within 1 ms (timeoutMs)',
    );
  });

  it('renders nothing for a recipe that asks for faces when the search times out', async () => {
    const attempt = renderImage(
      'photos/Landscape_1.jpg',
      await fixture('Landscape_1.jpg'),
      privacy,
      defaultLimits,
      { detectors: hurried() },
    );
    await expect(attempt).rejects.toBeInstanceOf(DetectionFailedError);
    await expect(attempt).rejects.toThrow(
      'photos/Landscape_1.jpg: pixelated-faces.jpg not written: detection failed ' +
        '(face detection did not finish within 1 ms (timeoutMs))',
    );
  });

  it('refuses to render a recipe that asks for faces with no detector at all', async () => {
    const attempt = renderImage(
      'photos/Landscape_1.jpg',
      await fixture('Landscape_1.jpg'),
      privacy,
      defaultLimits,
    );
    await expect(attempt).rejects.toThrow(
      'photos/Landscape_1.jpg: pixelated-faces.jpg not written: no faces detector is configured',
    );
  });
});
