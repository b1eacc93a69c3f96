import UPNG from 'upng-js';

import { pngChunks } from './png-chunks.ts';
import type { RawImage } from './types.ts';

/** What an animated PNG holds in frames, read from its chunks without decoding. */
export interface ApngTiming {
  /** The frames the file holds (one fcTL chunk each), whatever its acTL declares. */
  frameCount: number;
  delaysMs: number[];
  loop: number;
}

/**
 * The frame count and frame delays (fcTL) and loop count (acTL) of an animated PNG, or
 * undefined for a still PNG. Reads chunk headers only: libvips sees an APNG as its first
 * frame.
 *
 * Frames are counted from their fcTL chunks, not taken from acTL: upng-js decodes every
 * frame the file holds, so a file declaring 2 frames and holding 200 must be limited by 200.
 *
 * @example
 * readApngTiming(await readFile('ball.png')); // { frameCount: 20, delaysMs: [75, ...], loop: 0 }
 * @throws {Error} when a frame lies outside the canvas.
 */
export function readApngTiming(bytes: Buffer): ApngTiming | undefined {
  let timing: ApngTiming | undefined;
  for (const { type, start, end } of pngChunks(bytes)) {
    if (type === 'acTL' && end - start >= 8) {
      timing = { frameCount: 0, delaysMs: [], loop: bytes.readUInt32BE(start + 4) };
    }
    if (type === 'IDAT' && !timing) return undefined;
    if (type === 'fcTL' && timing && end - start >= 26) {
      checkFrameFits(bytes, start);
      // The delay is a fraction of a second; a denominator of 0 means 1/100 s.
      const numerator = bytes.readUInt16BE(start + 20);
      const denominator = bytes.readUInt16BE(start + 22) || 100;
      timing.delaysMs.push(Math.round((numerator * 1000) / denominator));
      timing.frameCount = timing.delaysMs.length;
    }
  }
  return timing && timing.frameCount > 1 ? timing : undefined;
}

/**
 * A frame must lie inside the canvas (IHDR), as the APNG format requires: upng-js allocates
 * each frame at the size its fcTL gives, so a 1x1 canvas could otherwise ask for gigabytes.
 */
function checkFrameFits(bytes: Buffer, control: number): void {
  const canvasWidth = bytes.readUInt32BE(16);
  const canvasHeight = bytes.readUInt32BE(20);
  const right = bytes.readUInt32BE(control + 4) + bytes.readUInt32BE(control + 12);
  const bottom = bytes.readUInt32BE(control + 8) + bytes.readUInt32BE(control + 16);
  if (right > canvasWidth || bottom > canvasHeight) {
    throw new Error(
      `an APNG frame reaches ${right}x${bottom}, outside the ${canvasWidth}x${canvasHeight} canvas`,
    );
  }
}

/**
 * Decodes every frame of an animated PNG with upng-js, applying each frame's dispose and
 * blend operations: RGBA frames on the full canvas, stacked top to bottom.
 *
 * @example
 * decodeApng(bytes).height; // 20 frames x 100 rows = 2000
 */
export function decodeApng(bytes: Buffer): RawImage {
  const png = UPNG.decode(new Uint8Array(bytes).buffer);
  const frames = UPNG.toRGBA8(png);
  const data = Buffer.concat(frames.map((frame) => Buffer.from(frame)));
  return { data, width: png.width, height: png.height * frames.length, channels: 4 };
}
