import { crc32, deflateSync } from 'node:zlib';

import decodeHeicPixels from 'heic-decode';
import sharp from 'sharp';

/**
 * Decodes an HEVC-coded HEIC (iPhone photos) with libheif compiled to WebAssembly, since
 * sharp's prebuilt libvips reads the HEIF container but has no HEVC decoder. The result is
 * a lossless PNG carrying the source's ICC profile, so that the usual decode converts it to
 * sRGB like any other input (iPhones write Display P3).
 *
 * libheif applies the file's rotation and mirror boxes, so the PNG is already upright. It is
 * at most `maxWidth` wide: shrinking before the profile is applied converts 2.5 times fewer
 * pixels for a 12 MP photo going to 1920 px (about 150 ms of CPU less).
 *
 * @example
 * const png = await decodeHeic(bytes, (await sharp(bytes).metadata()).icc, 1920);
 * @throws {Error} when libheif cannot decode the file.
 */
export async function decodeHeic(
  bytes: Buffer,
  icc: Buffer | undefined,
  maxWidth: number,
): Promise<Buffer> {
  // LIMITATION: the WebAssembly decode runs on the main thread and cannot be interrupted, so
  // maxSeconds does not bound it (about 2 to 3 s for a 12 MP iPhone photo, about 350 MB peak
  // RSS), and libheif prints its own decode errors to stdout, outside pixelater's logs.
  const { width, height, data } = await decodeHeicPixels({ buffer: bytes });
  const png = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width, height, channels: 4 },
  })
    .resize({ width: maxWidth, withoutEnlargement: true })
    .png({ compressionLevel: 0 })
    .toBuffer();
  return icc ? withIccProfile(png, icc) : png;
}

/**
 * Inserts an iCCP chunk after IHDR, tagging the pixels with `icc` without changing them
 * (sharp can only convert to a profile on output, not attach one to raw input).
 */
function withIccProfile(png: Buffer, icc: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from('icc\0\0', 'latin1'), deflateSync(icc)]);
  const type = Buffer.from('iCCP', 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, body])));
  // The signature (8 bytes) and IHDR (25 bytes) come first in every PNG.
  const afterHeader = 8 + 25;
  return Buffer.concat([
    png.subarray(0, afterHeader),
    length,
    type,
    body,
    crc,
    png.subarray(afterHeader),
  ]);
}
