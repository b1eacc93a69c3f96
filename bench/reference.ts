/**
 * The yardsticks pixelater is measured against, producing the same default outputs:
 *
 * - `referenceOutputs`: the hand-tuned floor. Straight-line sharp, one decode with
 *   shrink-on-load, every output derived from that buffer, copies that come out the same
 *   (widths larger than the image) encoded once.
 * - `naiveOutputs`: one independent sharp pipeline per output, each decoding the source.
 *
 * Both encode as pixelater does (JPEG quality 80, streaming above 4 MP; WebP quality 80), so
 * the comparison is of code paths, not of encoder settings. As in pixelater, the JPEGs of an
 * animation show its first frame and its WebP copies keep every frame. Both make a minimal
 * metadata record (not pixelater's SHA-256, perceptual hash or data URI). Neither writes
 * anywhere.
 */
import { encode as blurHashOf } from 'blurhash';
import exifr from 'exifr';
import decodeHeicPixels from 'heic-decode';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { rgbaToThumbHash } from 'thumbhash';

import { streamingJpegPixels } from '../src/image/encode.ts';

const grids = [8, 16, 32, 48, 64];
const widths = [320, 640, 1280, 1920];

interface Source {
  metadata: Metadata;
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
      metadata,
      width,
      height,
      open: async () => sharp(pixels, { raw: { width, height, channels: 4 } }),
    };
  }
  const pages = metadata.pages ?? 1;
  const animated = pages > 1 && (metadata.format === 'gif' || metadata.format === 'webp');
  return {
    metadata,
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
  // A width larger than the image is kept at its size: each distinct copy is encoded once.
  const copies = new Map<number, Array<Promise<Buffer>>>();
  for (const target of widths) {
    const width = Math.min(target, info.width);
    if (copies.has(width)) continue;
    const copy = () => sharp(data, { raw }).resize({ width });
    const webp = animation
      ? sharp(animation.data, { raw: animation.raw, animated: true })
          .resize({ width })
          .webp({ quality: 80, delay: source.animation?.delay, loop: source.animation?.loop })
      : copy().webp({ quality: 80 });
    copies.set(width, [
      copy().flatten({ background: '#ffffff' }).jpeg({ quality: 80 }).toBuffer(),
      webp.toBuffer(),
    ]);
  }
  const resized = widths.flatMap((target) => copies.get(Math.min(target, info.width))!);
  const images = await Promise.all([...pixelations, ...resized]);
  return [...images, await minimalRecord(bytes, source, sharp(data, { raw }), images)];
}

/**
 * The metadata record, minimally: what the header says, an EXIF summary, ThumbHash, BlurHash
 * and the mean colour from one 32 px copy of `pixels`, the outputs' sizes. (libvips'
 * `stats().dominant` would cost 6 ms a call, more than all the rest on a small image.)
 */
async function minimalRecord(
  bytes: Buffer,
  source: Source,
  pixels: Sharp,
  outputs: Buffer[],
): Promise<Buffer> {
  const small = await pixels
    .resize(32, 32, { fit: 'inside' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height } = small.info;
  const rgba = new Uint8ClampedArray(small.data.buffer, small.data.byteOffset, small.data.length);
  const exif = await exifr.parse(bytes, exifSummary).catch(() => undefined);
  const mean = [0, 1, 2].map((channel) => {
    let sum = 0;
    for (let offset = channel; offset < rgba.length; offset += 4) sum += rgba[offset]!;
    return Math.round(sum / (width * height));
  });
  const { metadata } = source;
  const record = {
    width: source.width,
    height: source.height,
    format: metadata.format,
    bytes: bytes.length,
    orientation: metadata.orientation,
    space: metadata.space,
    frames: source.animation?.pages ?? 1,
    exif: exif ?? {},
    thumbHash: Buffer.from(rgbaToThumbHash(width, height, rgba)).toString('base64'),
    blurHash: blurHashOf(rgba, width, height, 4, 3),
    meanColour: mean,
    outputBytes: outputs.map((output) => output.length),
  };
  return Buffer.from(JSON.stringify(record));
}

const exifSummary = [
  'Make',
  'Model',
  'LensModel',
  'DateTimeOriginal',
  'ExposureTime',
  'FNumber',
  'ISO',
  'GPSLatitude',
];

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
  const images = await Promise.all([...pixelations, ...resized]);
  return [...images, await minimalRecord(bytes, source, await source.open(), images)];
}
