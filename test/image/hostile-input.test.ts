import { describe, expect, it } from 'vitest';

import { RejectionError } from '../../src/errors.ts';
import { inspectImage } from '../../src/image/inspect.ts';
import { defaultLimits } from '../../src/image/limits.ts';
import { renderImage } from '../../src/image/render.ts';
import { defaultRecipe } from '../../src/recipe/recipe.ts';
import { apng } from '../support/png-chunks.ts';

async function rejectionOf(promise: Promise<unknown>): Promise<RejectionError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(RejectionError);
  return error as RejectionError;
}

describe('an animated PNG whose acTL does not match its frames', () => {
  it('is limited by the frames it holds, not the 2 it declares, before any decode', async () => {
    const bytes = apng({ width: 1000, height: 1000, frames: 200, declaredFrames: 2, delayMs: 50 });
    const error = await rejectionOf(inspectImage('liar.png', bytes, defaultLimits));
    expect(error.check).toBe('max-animation-pixels');
    expect(error.message).toMatch(/^liar\.png: 200 frames of 1000x1000/);
  });

  it('is recorded with the frames it holds, one delay each, when it declares more', async () => {
    const bytes = apng({ width: 8, height: 8, frames: 3, declaredFrames: 200, delayMs: 100 });
    const { info, outputs } = await renderImage('short.png', bytes, defaultRecipe, defaultLimits);
    expect([info.frames, info.animated, info.delaysMs]).toEqual([3, true, [100, 100, 100]]);
    expect(outputs.find((output) => output.name === 'w320.webp')?.height).toBe(8);
  });
});
