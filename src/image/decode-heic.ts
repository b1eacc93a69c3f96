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
 * The WebAssembly decode runs in a worker thread, which is stopped when a decode runs past
 * `maxSeconds`: a decode cannot be interrupted any other way, and the main thread stays free
 * for the other images of a batch. The worker is kept between images, so that libheif is
 * compiled once (starting one costs about 80 ms and 0.1 to 0.2 s of CPU), and decodes take
 * turns in it; each one's time limit starts when its turn does.
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
 * The worker's code: decode each HEIC it is sent with heic-decode and send back its RGBA
 * pixels, moving the buffer rather than copying it. CommonJS, evaluated in the worker, and
 * given heic-decode's resolved path, so that it finds the package wherever pixelater runs
 * from (the repository, a bundle in /var/task).
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const decode = require(workerData.decoder);
parentPort.on('message', async (bytes) => {
  try {
    const { width, height, data } = await decode({ buffer: bytes });
    parentPort.postMessage({ width, height, data }, [data.buffer]);
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
});
`;

/** The decoding worker while one is running, and the end of the last decode asked for. */
let worker: Worker | undefined;
let lastTurn: Promise<unknown> = Promise.resolve();

function decodeInWorker(bytes: Buffer, maxSeconds: number): Promise<DecodedPixels> {
  const turn = lastTurn.then(() => decodeInTurn(bytes, maxSeconds));
  lastTurn = turn.catch(() => undefined);
  return turn;
}

async function decodeInTurn(bytes: Buffer, maxSeconds: number): Promise<DecodedPixels> {
  const thread = (worker ??= startWorker());
  let settle: { resolve: (pixels: DecodedPixels) => void; reject: (error: Error) => void };
  const onMessage = (reply: DecodedPixels | { error: string }) =>
    'error' in reply ? settle.reject(new Error(reply.error)) : settle.resolve(reply);
  const onError = (error: Error) => {
    stopWorker(thread);
    settle.reject(error);
  };
  const onExit = (code: number) => {
    stopWorker(thread);
    settle.reject(new Error(`the HEIC decoder stopped (exit ${code})`));
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<DecodedPixels>((resolve, reject) => {
      settle = { resolve, reject };
      timer = setTimeout(() => {
        stopWorker(thread);
        reject(new DecodeTimeLimitError(maxSeconds));
      }, maxSeconds * 1000);
      thread.once('message', onMessage).once('error', onError).once('exit', onExit);
      thread.postMessage(bytes);
    });
  } finally {
    clearTimeout(timer);
    thread.off('message', onMessage).off('error', onError).off('exit', onExit);
  }
}

function startWorker(): Worker {
  const decoder = createRequire(import.meta.url).resolve('heic-decode');
  const started = new Worker(workerSource, { eval: true, workerData: { decoder } });
  // An idle decoder does not keep the process alive; a decode's own timer does while it runs.
  started.unref();
  return started;
}

function stopWorker(thread: Worker): void {
  if (worker === thread) worker = undefined;
  void thread.terminate();
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
