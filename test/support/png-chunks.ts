import { crc32, deflateSync } from 'node:zlib';

/**
 * One PNG chunk: length, type, data and CRC (a wrong CRC when `badCrc`), for tests that build
 * hostile PNGs byte by byte.
 *
 * @example
 * pngChunk('tEXt', Buffer.from('Comment\0hello', 'latin1'));
 */
export function pngChunk(type: string, data: Buffer, { badCrc = false } = {}): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeBytes = Buffer.from(type, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE((crc32(Buffer.concat([typeBytes, data])) ^ (badCrc ? 1 : 0)) >>> 0);
  return Buffer.concat([length, typeBytes, data, crc]);
}

/** The PNG signature and an IHDR for an 8-bit RGBA image of `width` x `height`. */
export function pngStart(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), pngChunk('IHDR', header)]);
}

/** Deflated scanlines of a `width` x `height` RGBA image, every pixel `rgba`. */
export function pngPixels(width: number, height: number, rgba = [0, 0, 0, 255]): Buffer {
  const row = Buffer.alloc(1 + width * 4);
  for (let x = 0; x < width; x++) row.set(rgba, 1 + x * 4);
  return deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
}

/**
 * A complete PNG of one colour with `extra` chunks between IHDR and IDAT.
 *
 * @example
 * pngWith(64, 64, [pngChunk('tEXt', Buffer.from('a\0b'), { badCrc: true })]);
 */
export function pngWith(width: number, height: number, extra: Buffer[]): Buffer {
  return Buffer.concat([
    pngStart(width, height),
    ...extra,
    pngChunk('IDAT', pngPixels(width, height)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * An animated PNG of `frames` full-canvas frames that declares `declaredFrames` in its acTL;
 * every frame waits `delayMs` (in hundredths of a second when it divides by ten).
 *
 * @example
 * apng({ width: 8, height: 8, frames: 3, declaredFrames: 200, delayMs: 100 });
 */
export function apng(options: {
  width: number;
  height: number;
  frames: number;
  declaredFrames: number;
  delayMs: number;
}): Buffer {
  const { width, height, frames, declaredFrames, delayMs } = options;
  const animationControl = Buffer.alloc(8);
  animationControl.writeUInt32BE(declaredFrames, 0);
  const pixels = pngPixels(width, height, [200, 30, 30, 255]);
  const chunks: Buffer[] = [pngStart(width, height), pngChunk('acTL', animationControl)];
  let sequence = 0;
  for (let frame = 0; frame < frames; frame++) {
    const control = Buffer.alloc(26);
    control.writeUInt32BE(sequence++, 0);
    control.writeUInt32BE(width, 4);
    control.writeUInt32BE(height, 8);
    control.writeUInt16BE(delayMs, 20);
    control.writeUInt16BE(1000, 22);
    chunks.push(pngChunk('fcTL', control));
    if (frame === 0) {
      chunks.push(pngChunk('IDAT', pixels));
    } else {
      const number = Buffer.alloc(4);
      number.writeUInt32BE(sequence++);
      chunks.push(pngChunk('fdAT', Buffer.concat([number, pixels])));
    }
  }
  chunks.push(pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat(chunks);
}
