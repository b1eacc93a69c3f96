/**
 * The yardsticks pixelater is measured against, producing the same default outputs:
 *
 * - `referenceOutputs`: the hand-tuned floor. Straight-line sharp, one decode with
 *   shrink-on-load, every output derived from that buffer.
 * - `naiveOutputs`: one independent sharp pipeline per output, each decoding the source.
 *
 * Both encode as pixelater does (JPEG quality 80, streaming above 4 MP; WebP quality 80), so
 * the comparison is of code paths, not of encoder settings. As in pixelater, the JPEGs of an
 * animation show its first frame and its WebP copies keep every frame. Neither writes
 * anywhere, and neither makes the metadata record.
 */
import decodeHeicPixels from 'heic-decode';
import sharp, { type Sharp } from 'sharp';

import { streamingJpegPixels } from '../src/image/encode.ts';

const grids = [8, 16, 32, 48, 64];
const widths = [320, 640, 1280, 1920];

interface Source {
  /** Displayed size, upright. */
  width: number;
  height: number;
  /** Opens the source for one pipeline. */
  open: () => Promise<Sharp>;
  animation?: { pages: number; delay: number[]; loop: number };
}

/**
 * What sharp can open directly, and HEVC-coded HEIC (which sharp's prebuilt libvips cannot
 * decode) through libheif's WebAssembly build, once per source even for the naive version
 * (a decode per pipeline would take about 20 s). The reference leaves an iPhone's Display P3
 * pixels unconverted, so on HEIC it is a floor below the real work.
 */
async function openSource(bytes: Buffer): Promise<Source> {
  const metadata = await sharp(bytes).metadata();
  if (metadata.format === 'heif' && metadata.compression === 'hevc') {
    const { width, height, data } = await decodeHeicPixels({ buffer: bytes });
    const pixels = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return {
      width,
      height,
      open: async () => sharp(pixels, { raw: { width, height, channels: 4 } }),
    };
  }
  const pages = metadata.pages ?? 1;
  const animated = pages > 1 && (metadata.format === 'gif' || metadata.format === 'webp');
  return {
    width: metadata.autoOrient.width,
    height: metadata.autoOrient.height,
    open: async () => sharp(bytes).rotate(),
    ...(animated
      ? { animation: { pages, delay: metadata.delay ?? [], loop: metadata.loop ?? 0 } }
      : {}),
  };
}

export async function referenceOutputs(bytes: Buffer): Promise<Buffer[]> {
  const source = await openSource(bytes);
  const { width, height } = source;
  const { data, info } = await (
    await source.open()
  )
    .resize({ width: Math.min(width, 1920) })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const animation = source.animation && (await decodeAnimation(bytes, info.width));

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
    const webp = animation
      ? sharp(animation.data, { raw: animation.raw, animated: true })
          .resize({ width: Math.min(target, info.width) })
          .webp({ quality: 80, delay: source.animation?.delay, loop: source.animation?.loop })
      : copy().webp({ quality: 80 });
    return [
      copy().flatten({ background: '#ffffff' }).jpeg({ quality: 80 }).toBuffer(),
      webp.toBuffer(),
    ];
  });
  return Promise.all([...pixelations, ...resized]);
}

/** Every frame of an animation at `width`, stacked as sharp keeps them. */
async function decodeAnimation(bytes: Buffer, width: number) {
  const { data, info } = await sharp(bytes, { animated: true })
    .resize({ width })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pageHeight = info.pageHeight ?? info.height;
  return {
    data,
    raw: { width: info.width, height: info.height, channels: info.channels, pageHeight },
  };
}

export async function naiveOutputs(bytes: Buffer): Promise<Buffer[]> {
  const source = await openSource(bytes);
  const { width, height } = source;
  const pixelations = grids.map(async (grid) => {
    const block = Math.max(1, Math.round(Math.max(width, height) / grid));
    const columns = Math.ceil(width / block);
    const rows = Math.ceil(height / block);
    const small = await (
      await source.open()
    )
      .resize(columns, rows, { fit: 'fill' })
      .png()
      .toBuffer();
    return sharp(small)
      .resize(columns * block, rows * block, { kernel: 'nearest' })
      .extract({ left: 0, top: 0, width, height })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 80, optimiseCoding: width * height <= streamingJpegPixels })
      .toBuffer();
  });
  const resized = widths.flatMap((target) => [
    source.open().then((pipeline) =>
      pipeline
        .resize({ width: Math.min(target, width) })
        .flatten({ background: '#ffffff' })
        .jpeg({ quality: 80 })
        .toBuffer(),
    ),
    source.animation
      ? sharp(bytes, { animated: true })
          .resize({ width: Math.min(target, width) })
          .webp({ quality: 80, delay: source.animation.delay, loop: source.animation.loop })
          .toBuffer()
      : source.open().then((pipeline) =>
          pipeline
            .resize({ width: Math.min(target, width) })
            .webp({ quality: 80 })
            .toBuffer(),
        ),
  ]);
  return Promise.all([...pixelations, ...resized]);
}
