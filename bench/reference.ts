/**
 * The yardsticks pixelater is measured against, producing the same default outputs:
 *
 * - `referenceOutputs`: the hand-tuned floor. Straight-line sharp, one decode with
 *   shrink-on-load, every output derived from that buffer.
 * - `naiveOutputs`: one independent sharp pipeline per output, each decoding the source.
 *
 * Both encode as pixelater does (JPEG quality 80, streaming above 4 MP; WebP quality 80), so
 * the comparison is of code paths, not of encoder settings. Neither writes anywhere.
 */
import sharp from 'sharp';

import { streamingJpegPixels } from '../src/image/encode.ts';

const grids = [8, 16, 32, 48, 64];
const widths = [320, 640, 1280, 1920];

async function displayedSize(bytes: Buffer) {
  const metadata = await sharp(bytes).metadata();
  return { width: metadata.autoOrient.width, height: metadata.autoOrient.height };
}

export async function referenceOutputs(bytes: Buffer): Promise<Buffer[]> {
  const { width, height } = await displayedSize(bytes);
  const { data, info } = await sharp(bytes)
    .rotate()
    .resize({ width: Math.min(width, 1920) })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };

  const pixelations = grids.map(async (grid) => {
    const block = Math.max(1, Math.round(Math.max(width, height) / grid));
    const columns = Math.ceil(width / block);
    const rows = Math.ceil(height / block);
    const small = await sharp(data, { raw })
      .resize(columns, rows, { fit: 'fill' })
      .raw()
      .toBuffer();
    return sharp(small, { raw: { width: columns, height: rows, channels: info.channels } })
      .resize(columns * block, rows * block, { kernel: 'nearest' })
      .extract({ left: 0, top: 0, width, height })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 80, optimiseCoding: width * height <= streamingJpegPixels })
      .toBuffer();
  });
  const resized = widths.flatMap((target) => {
    const copy = () => sharp(data, { raw }).resize({ width: Math.min(target, info.width) });
    return [
      copy().flatten({ background: '#ffffff' }).jpeg({ quality: 80 }).toBuffer(),
      copy().webp({ quality: 80 }).toBuffer(),
    ];
  });
  return Promise.all([...pixelations, ...resized]);
}

export async function naiveOutputs(bytes: Buffer): Promise<Buffer[]> {
  const { width, height } = await displayedSize(bytes);
  const pixelations = grids.map((grid) => {
    const block = Math.max(1, Math.round(Math.max(width, height) / grid));
    const columns = Math.ceil(width / block);
    const rows = Math.ceil(height / block);
    return sharp(bytes)
      .rotate()
      .resize(columns, rows, { fit: 'fill' })
      .toBuffer()
      .then((small) =>
        sharp(small)
          .resize(columns * block, rows * block, { kernel: 'nearest' })
          .extract({ left: 0, top: 0, width, height })
          .flatten({ background: '#ffffff' })
          .jpeg({ quality: 80, optimiseCoding: width * height <= streamingJpegPixels })
          .toBuffer(),
      );
  });
  const resized = widths.flatMap((target) => [
    sharp(bytes)
      .rotate()
      .resize({ width: Math.min(target, width) })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 80 })
      .toBuffer(),
    sharp(bytes)
      .rotate()
      .resize({ width: Math.min(target, width) })
      .webp({ quality: 80 })
      .toBuffer(),
  ]);
  return Promise.all([...pixelations, ...resized]);
}
