import { describe, expect, it } from 'vitest';

import { animationSummaryOf } from '../../src/image/animation.ts';
import { inspectImage } from '../../src/image/inspect.ts';
import { defaultLimits } from '../../src/image/limits.ts';
import { fixture } from '../support/fixtures.ts';

const summaryOf = async (name: string) =>
  animationSummaryOf(await inspectImage(name, await fixture(name), defaultLimits));

describe('the animation summary of a source', () => {
  it.each([
    ['animated_cogs.gif', 5],
    ['animated_rotating_squares.gif', 30],
    ['animated_rotating_squares.webp', 9],
    ['animated_lossy_101f.webp', 101],
    ['apng_ball.png', 20],
  ])('gives the frame count, a delay per frame and the loop count of %s', async (name, frames) => {
    const animation = await summaryOf(name);
    expect(animation?.frames).toBe(frames);
    expect(animation?.delaysMs).toHaveLength(frames);
    expect(animation?.durationMs).toBe(animation?.delaysMs.reduce((a, b) => a + b, 0));
  });

  it('gives the delays and loop exactly as the animation stores them', async () => {
    expect(await summaryOf('animated_rotating_squares.webp')).toEqual({
      frames: 9,
      delaysMs: [120, 120, 90, 120, 120, 90, 120, 90, 30],
      loop: 0,
      durationMs: 900,
    });
  });

  it('reads an APNG from its own frame controls, which libvips does not: 20 frames of 75 ms', async () => {
    // Each fcTL chunk gives its frame's delay as 75/1000 s.
    expect(await summaryOf('apng_ball.png')).toEqual({
      frames: 20,
      delaysMs: Array.from({ length: 20 }, () => 75),
      loop: 0,
      durationMs: 1500,
    });
  });

  it('gives none for a still photo or the pages of a document', async () => {
    expect(await summaryOf('Canon_40D.jpg')).toBeUndefined();
    expect(await summaryOf('fax_g3_2pages.tif')).toBeUndefined();
  });
});
