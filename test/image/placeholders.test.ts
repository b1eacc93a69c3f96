import { decode as decodeBlurHash, isBlurhashValid } from 'blurhash';
import sharp from 'sharp';
import { thumbHashToApproximateAspectRatio, thumbHashToRGBA } from 'thumbhash';
import { describe, expect, it } from 'vitest';

import { decodeSource } from '../../src/image/decode.ts';
import { inspectImage } from '../../src/image/inspect.ts';
import { hammingDistance, perceptualHash } from '../../src/image/perceptual-hash.ts';
import { placeholdersOf } from '../../src/image/placeholders.ts';
import { deriveSmallCopy } from '../../src/image/small-copy.ts';
import { defaultLimits } from '../../src/image/limits.ts';
import { fixture } from '../support/fixtures.ts';

/** The small copy as the pipeline makes it: one decode at 640 px, then shrunk. */
async function smallCopyOf(bytes: Buffer) {
  const info = await inspectImage('test', bytes, defaultLimits);
  const { still } = await decodeSource('test', bytes, info, 640, defaultLimits);
  return deriveSmallCopy(still);
}

describe('placeholders from the small copy', () => {
  it.each([
    ['Landscape_1.jpg', 1800 / 1200],
    ['Landscape_6.jpg', 1800 / 1200],
    ['Oppo_R7_Plus_13MP_gps.jpg', 3120 / 4160],
    ['rgba_blackbug.png', 2048 / 1536],
  ])('decode back to an image of the aspect ratio of %s', async (name, aspect) => {
    const small = await smallCopyOf(await fixture(name));
    expect(Math.max(small.width, small.height)).toBe(100);
    const { thumbHash, blurHash, blurHashComponents, dataUri } = await placeholdersOf(small);

    const thumb = thumbHashToRGBA(Buffer.from(thumbHash, 'base64'));
    expect(thumb.w / thumb.h).toBeCloseTo(aspect, 0);
    expect(thumbHashToApproximateAspectRatio(Buffer.from(thumbHash, 'base64'))).toBeCloseTo(
      aspect,
      0,
    );

    expect(isBlurhashValid(blurHash).result).toBe(true);
    const [across, down] = blurHashComponents;
    expect(across / down).toBeCloseTo(aspect, 0);
    expect(decodeBlurHash(blurHash, 32, 32)).toHaveLength(32 * 32 * 4);

    const preview = Buffer.from(dataUri.replace(/^data:image\/webp;base64,/, ''), 'base64');
    const metadata = await sharp(preview).metadata();
    expect(metadata.format).toBe('webp');
    expect(metadata.width! / metadata.height!).toBeCloseTo(aspect, 1);
    expect(dataUri.length).toBeLessThan(600);
  });

  it('gives the dominant colour of the picture', async () => {
    const red = await sharp({
      create: { width: 300, height: 200, channels: 3, background: '#d01010' },
    })
      .png()
      .toBuffer();
    const { dominantColour } = await placeholdersOf(await smallCopyOf(red));
    const [r, g, b] = [1, 3, 5].map((at) => parseInt(dominantColour.slice(at, at + 2), 16));
    expect(dominantColour).toMatch(/^#[0-9a-f]{6}$/);
    expect(Math.abs(r! - 0xd0)).toBeLessThanOrEqual(8);
    expect(Math.abs(g! - 0x10)).toBeLessThanOrEqual(8);
    expect(Math.abs(b! - 0x10)).toBeLessThanOrEqual(8);
  });
});

describe('the perceptual hash', () => {
  it.each(['Landscape_1.jpg', 'DSCN0010.jpg', 'lossy_gallery4.webp', 'Canon_EOS_7D_AdobeRGB.jpg'])(
    'is the same for %s and its re-encoded copy',
    async (name) => {
      const original = await fixture(name);
      const reencoded = await sharp(original).jpeg({ quality: 70 }).toBuffer();
      expect(reencoded.equals(original)).toBe(false);
      const [a, b] = await Promise.all(
        [original, reencoded].map(async (bytes) => perceptualHash(await smallCopyOf(bytes))),
      );
      expect(a).toMatch(/^[0-9a-f]{16}$/);
      expect(b).toBe(a);
    },
  );

  it('is the same for a photo and its copy stored sideways with an EXIF orientation', async () => {
    const [upright, sideways] = await Promise.all(
      ['Landscape_1.jpg', 'Landscape_6.jpg'].map(async (name) =>
        perceptualHash(await smallCopyOf(await fixture(name))),
      ),
    );
    expect(sideways).toBe(upright);
  });

  it('differs by many bits between different pictures', async () => {
    const names = ['Landscape_1.jpg', 'DSCN0010.jpg', 'lossy_gallery4.webp', 'Canon_40D.jpg'];
    const hashes = await Promise.all(
      names.map(async (name) => perceptualHash(await smallCopyOf(await fixture(name)))),
    );
    for (const [i, a] of hashes.entries()) {
      for (const b of hashes.slice(i + 1)) expect(hammingDistance(a, b)).toBeGreaterThan(12);
    }
  });

  it('counts the bits in which two hashes differ', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
  });
});
