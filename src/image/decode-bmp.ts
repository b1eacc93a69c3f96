import { decode } from 'bmp-ts';

import type { RawImage } from './types.ts';

/** Width and height from a BMP's info header (sharp's prebuilt libvips cannot read BMP). */
export interface BmpHeader {
  width: number;
  height: number;
  bitsPerPixel: number;
}

/**
 * Reads a BMP's dimensions from its first 30 bytes, without decoding.
 *
 * @example
 * readBmpHeader(bytes); // { width: 192, height: 144, bitsPerPixel: 24 }
 * @throws {RangeError} when the header is shorter than a BMP info header.
 */
export function readBmpHeader(bytes: Buffer): BmpHeader {
  // A negative height means the rows are stored top-down; the size is its absolute value.
  return {
    width: Math.abs(bytes.readInt32LE(18)),
    height: Math.abs(bytes.readInt32LE(22)),
    bitsPerPixel: bytes.readUInt16LE(28),
  };
}

/**
 * Decodes a BMP to 8-bit RGB pixels with bmp-ts (every bit depth, RLE and bit fields).
 *
 * @example
 * const pixels = decodeBmp(bytes); // { width: 192, height: 144, channels: 3, data }
 * @throws {Error} when the file is shorter than its header says.
 */
export function decodeBmp(bytes: Buffer): RawImage {
  const bitmap = decode(bytes, { toRGBA: true });
  const { width, height } = bitmap;
  // LIMITATION: BMP alpha is dropped. Most writers leave the fourth byte at 0 even in 32-bit
  // files, so trusting it would make ordinary bitmaps invisible; a truly transparent BMP is
  // flattened as if opaque.
  const data = Buffer.alloc(width * height * 3);
  for (let pixel = 0; pixel < width * height; pixel++) {
    data[pixel * 3] = bitmap.data[pixel * 4] ?? 0;
    data[pixel * 3 + 1] = bitmap.data[pixel * 4 + 1] ?? 0;
    data[pixel * 3 + 2] = bitmap.data[pixel * 4 + 2] ?? 0;
  }
  return { data, width, height, channels: 3 };
}
