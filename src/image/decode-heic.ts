import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { crc32, deflateSync } from 'node:zlib';

import sharp from 'sharp';

import { DecodeTimeLimitError } from './limits.ts';

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
 * The WebAssembly decode runs in a worker thread of its own, which is stopped after
 * `maxSeconds`: a decode cannot be interrupted any other way, and the main thread stays free
 * for the other images of a batch. The worker and its WebAssembly memory (about 250 MB for a
 * 12 MP photo) are released after every image, for about 80 ms of start-up each.
 *
 * @example
 * const png = await decodeHeic(bytes, (await sharp(bytes).metadata()).icc, 1920, 20);
 * @throws {DecodeTimeLimitError} when the decode runs past `maxSeconds`.
 * @throws {Error} when libheif cannot decode the file.
 */
export async function decodeHeic(
  bytes: Buffer,
  icc: Buffer | undefined,
  maxWidth: number,
  maxSeconds: number,
): Promise<Buffer> {
  // LIMITATION: libheif prints its own decode errors to stdout, outside pixelater's logs.
  const { width, height, data } = await decodeInWorker(bytes, maxSeconds);
  const png = await sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
    raw: { width, height, channels: 4 },
  })
    .resize({ width: maxWidth, withoutEnlargement: true })
    .png({ compressionLevel: 0 })
    .toBuffer();
  return icc ? withIccProfile(png, icc) : png;
}

interface DecodedPixels {
  width: number;
  height: number;
  /** RGBA, 4 bytes a pixel. */
  data: Uint8ClampedArray;
}

/**
 * The worker's code: decode the one HEIC it is sent with heic-decode and send back its RGBA
 * pixels, moving the buffer rather than copying it. CommonJS, evaluated in the worker, and
 * given heic-decode's resolved path, so that it finds the package wherever pixelater runs
 * from (the repository, a bundle in /var/task).
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const decode = require(workerData.decoder);
parentPort.once('message', async (bytes) => {
  try {
    const { width, height, data } = await decode({ buffer: bytes });
    parentPort.postMessage({ width, height, data }, [data.buffer]);
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
});
`;

async function decodeInWorker(bytes: Buffer, maxSeconds: number): Promise<DecodedPixels> {
  const decoder = createRequire(import.meta.url).resolve('heic-decode');
  const worker = new Worker(workerSource, { eval: true, workerData: { decoder } });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<DecodedPixels>((resolve, reject) => {
      timer = setTimeout(() => reject(new DecodeTimeLimitError(maxSeconds)), maxSeconds * 1000);
      worker.once('message', (reply: DecodedPixels | { error: string }) =>
        'error' in reply ? reject(new Error(reply.error)) : resolve(reply),
      );
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the HEIC decoder stopped (exit ${code})`)));
      worker.postMessage(bytes);
    });
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
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
