import { describe, expect, it } from 'vitest';

import { RejectionError } from '../../src/errors.ts';
import { inspectImage } from '../../src/image/inspect.ts';
import { defaultLimits } from '../../src/image/limits.ts';
import { renderImage } from '../../src/image/render.ts';
import { defaultRecipe } from '../../src/recipe/recipe.ts';
import { fixture } from '../support/fixtures.ts';
import { apng, pngChunk, pngStart, pngWith } from '../support/png-chunks.ts';

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

/** A BMP with a 40-byte info header, cut or padded to `length` bytes. */
function bmp(width: number, height: number, length: number, declaredLength = length): Buffer {
  const full = Buffer.alloc(Math.max(length, 54));
  full.write('BM', 0, 'latin1');
  full.writeUInt32LE(declaredLength, 2);
  full.writeUInt32LE(54, 10);
  full.writeUInt32LE(40, 14);
  full.writeInt32LE(width, 18);
  full.writeInt32LE(height, 22);
  full.writeUInt16LE(1, 26);
  full.writeUInt16LE(24, 28);
  return full.subarray(0, length);
}

/** An APNG of two 8x8 frames whose image data is not zlib at all. */
function apngWithBrokenFrames(): Buffer {
  const control = Buffer.alloc(26);
  control.writeUInt32BE(8, 4);
  control.writeUInt32BE(8, 8);
  const noise = Buffer.from([1, 2, 3, 4, 5]);
  return Buffer.concat([
    pngStart(8, 8),
    pngChunk('acTL', Buffer.from([0, 0, 0, 2, 0, 0, 0, 0])),
    pngChunk('fcTL', control),
    pngChunk('IDAT', noise),
    pngChunk('fcTL', control),
    pngChunk('fdAT', Buffer.concat([Buffer.from([0, 0, 0, 2]), noise])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An APNG on a 1x1 canvas whose second frame claims to be 60000x60000. */
function apngWithOversizedFrame(): Buffer {
  const bytes = apng({ width: 1, height: 1, frames: 2, declaredFrames: 2, delayMs: 100 });
  const secondControl = bytes.lastIndexOf('fcTL') + 4;
  bytes.writeUInt32BE(60000, secondControl + 4);
  bytes.writeUInt32BE(60000, secondControl + 8);
  return bytes;
}

/** The iPhone HEIC with its header intact and its coded pixels zeroed. */
async function heicWithZeroedPixels(): Promise<Buffer> {
  const heic = Buffer.from(await fixture('iPhone11Pro_IMG_2929.HEIC'));
  heic.fill(0, heic.indexOf('mdat') + 4);
  return heic;
}

/** A fixture as an interrupted upload leaves it: its first half. */
async function firstHalf(name: string): Promise<Buffer> {
  const bytes = await fixture(name);
  return bytes.subarray(0, bytes.length / 2);
}

describe("a malformed file for one of pixelater's own decoders", () => {
  it.each([
    ['a 26-byte BMP', 'short.bmp', () => bmp(4, 4, 26), 'undecodable', /unreadable header/],
    ['a 29-byte BMP', 'short.bmp', () => bmp(4, 4, 29), 'undecodable', /unreadable header/],
    ['a BMP cut before its size', 'cut.bmp', () => bmp(4, 4, 28, 102), 'truncated', /header/],
    ['a BMP with too few pixels', 'few.bmp', () => bmp(100, 100, 60), 'undecodable', /pixels/],
    ['an APNG with no zlib data', 'noise.png', apngWithBrokenFrames, 'undecodable', /pixels/],
    ['an APNG frame off its canvas', 'huge.png', apngWithOversizedFrame, 'undecodable', /canvas/],
    ['a HEIC with zeroed pixels', 'zero.heic', heicWithZeroedPixels, 'undecodable', /pixels/],
    [
      'a HEIC cut in half',
      'half.heic',
      () => firstHalf('iPhone11Pro_IMG_2929.HEIC'),
      'truncated',
      /ends before/,
    ],
    [
      'an AVIF cut in half',
      'half.avif',
      () => firstHalf('avif_pitm.avif'),
      'truncated',
      /ends before/,
    ],
  ])('is rejected, never thrown as a crash: %s', async (_, key, make, check, reason) => {
    const bytes = await make();
    const error = await rejectionOf(renderImage(key, bytes, defaultRecipe, defaultLimits));
    expect(error.check).toBe(check);
    expect(error.message).toMatch(new RegExp(`^${key.replace('.', '\\.')}: `));
    expect(error.reason).toMatch(reason);
  });
});

describe('a HEIC whose decode runs past maxSeconds', () => {
  it('is rejected for the time limit, its WebAssembly decode stopped in its worker', async () => {
    // A limit well below the 12 MP iPhone photo's own decode (about 0.8 s here).
    const limits = { ...defaultLimits, maxSeconds: 0.1 };
    const bytes = await fixture('iPhone11Pro_IMG_2929.HEIC');
    const error = await rejectionOf(renderImage('slow.heic', bytes, defaultRecipe, limits));
    expect(error.check).toBe('max-seconds');
    expect(error.message).toBe('slow.heic: decoding took longer than 0.1 s (maxSeconds)');

    // The same photo within the default limit is processed: the stopped worker leaves
    // nothing behind that a later decode trips over.
    const { outputs } = await renderImage('ok.heic', bytes, defaultRecipe, defaultLimits);
    expect(outputs).toHaveLength(13);
  });
});

describe('a PNG that makes the decoder warn thousands of times', () => {
  it('is processed with its first 20 warnings and a count of the rest', async () => {
    const text = (index: number) => Buffer.from(`Comment\0note ${index}`, 'latin1');
    const chunks = Array.from({ length: 2000 }, (_, index) =>
      pngChunk('tEXt', text(index), { badCrc: true }),
    );
    const bytes = pngWith(64, 64, chunks);
    const { warnings, outputs } = await renderImage(
      'chatty.png',
      bytes,
      defaultRecipe,
      defaultLimits,
    );
    expect(outputs).toHaveLength(13);
    expect(warnings).toHaveLength(21);
    expect(warnings.slice(0, 20).every((warning) => warning.startsWith('decoder-warning: '))).toBe(
      true,
    );
    expect(warnings[20]).toMatch(/^decoder-warning: \d{4} more decoder warnings left out$/);
  });
});
