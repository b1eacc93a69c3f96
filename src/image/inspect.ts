import sharp, { type Metadata } from 'sharp';

import { RejectionCheck, RejectionError } from '../errors.ts';
import { readApngTiming } from './decode-apng.ts';
import { readBmpHeader } from './decode-bmp.ts';
import type { Limits } from './limits.ts';
import { refuseMalformed } from './refuse-malformed.ts';
import { SourceFormat, sniffFormat } from './sniff-format.ts';
import type { ImageInfo } from './types.ts';

const bitDepthOf: Record<string, number> = {
  uchar: 8,
  char: 8,
  ushort: 16,
  short: 16,
  uint: 32,
  int: 32,
  float: 32,
  double: 64,
};

/**
 * The source's header as libvips reads it (or pixelater's own reader, for BMP), embedded
 * EXIF, XMP, IPTC and ICC blocks included: read once, by `inspectSource`, for every stage.
 */
export type SourceHeader = Partial<Omit<Metadata, 'format' | 'mediaType'>> & {
  format?: string;
  mediaType?: string;
};

/**
 * Reads what an image is from its header alone and refuses it early when it breaks a limit:
 * bytes first, then the format from the magic number, then pixels and frames from the
 * header. Nothing here decodes pixels, so a 2 KB file declaring 400 megapixels is refused
 * in milliseconds.
 *
 * @example
 * const info = await inspectImage('photos/cat.jpg', bytes, defaultLimits);
 * info.width; // displayed width, after EXIF orientation
 * @throws {RejectionError} not an image, over a limit, refused by policy, or an unreadable
 *   header.
 */
export async function inspectImage(key: string, bytes: Buffer, limits: Limits): Promise<ImageInfo> {
  return (await inspectSource(key, bytes, limits)).info;
}

/**
 * `inspectImage`, also giving the header it read, so that later stages (the metadata
 * summary, kept copyright fields) need not read it again.
 *
 * @example
 * const { info, header } = await inspectSource('photos/cat.jpg', bytes, defaultLimits);
 */
export async function inspectSource(
  key: string,
  bytes: Buffer,
  limits: Limits,
): Promise<{ info: ImageInfo; header: SourceHeader }> {
  if (bytes.length > limits.maxInputBytes) {
    throw new RejectionError(
      key,
      RejectionCheck.tooManyBytes,
      `${bytes.length} bytes is over the limit of ${limits.maxInputBytes} bytes (maxInputBytes)`,
    );
  }
  const format = sniffFormat(key, bytes);
  if (format === SourceFormat.svg) checkSvg(key, bytes, limits);

  const metadata = await readHeader(key, format, bytes);
  const storedWidth = metadata.width ?? 0;
  const storedHeight = metadata.pageHeight ?? metadata.height ?? 0;
  const pixels = storedWidth * storedHeight;
  if (pixels > limits.maxPixels) {
    throw new RejectionError(
      key,
      RejectionCheck.tooManyPixels,
      `${storedWidth}x${storedHeight} is ${pixels} pixels, over the limit of ` +
        `${limits.maxPixels} (maxPixels)`,
    );
  }

  const apng =
    format === SourceFormat.png
      ? await refuseMalformed(key, format, bytes, 'header', () => readApngTiming(bytes))
      : undefined;
  const frames = apng?.frameCount ?? metadata.pages ?? 1;
  const animated =
    frames > 1 && (format === SourceFormat.gif || format === SourceFormat.webp || !!apng);
  const delaysMs = apng?.delaysMs ?? metadata.delay;
  if (animated && frames * pixels > limits.maxAnimationPixels) {
    throw new RejectionError(
      key,
      RejectionCheck.tooManyAnimationPixels,
      `${frames} frames of ${storedWidth}x${storedHeight} is ${frames * pixels} pixels, over ` +
        `the limit of ${limits.maxAnimationPixels} (maxAnimationPixels)`,
    );
  }

  const orientation = metadata.orientation ?? 1;
  const turned = orientation >= 5 && orientation <= 8;
  const info: ImageInfo = {
    format: metadata.format ?? format,
    mimeType: metadata.mediaType ?? 'application/octet-stream',
    width: turned ? storedHeight : storedWidth,
    height: turned ? storedWidth : storedHeight,
    storedWidth,
    storedHeight,
    orientation,
    colourSpace: metadata.space ?? 'unknown',
    channels: metadata.channels ?? 0,
    bitDepth: metadata.bitsPerSample ?? bitDepthOf[metadata.depth ?? ''] ?? 8,
    hasAlpha: metadata.hasAlpha ?? false,
    hasIccProfile: metadata.hasProfile ?? false,
    ...(metadata.compression ? { compression: metadata.compression } : {}),
    frames,
    animated,
    ...(animated && delaysMs ? { delaysMs } : {}),
    ...(animated ? { loop: apng?.loop ?? metadata.loop ?? 0 } : {}),
  };
  return { info, header: metadata };
}

async function readHeader(key: string, format: SourceFormat, bytes: Buffer): Promise<SourceHeader> {
  // The pixel limit is ours to check, with a message that names it.
  const read =
    format === SourceFormat.bmp
      ? () => bmpMetadata(key, bytes)
      : () => sharp(bytes, { limitInputPixels: false }).metadata();
  return refuseMalformed(key, format, bytes, 'header', read);
}

function bmpMetadata(key: string, bytes: Buffer): SourceHeader {
  const { width, height, bitsPerPixel } = readBmpHeader(bytes);
  if (width === 0 || height === 0) {
    throw new RejectionError(key, RejectionCheck.undecodable, 'unreadable BMP header');
  }
  return {
    format: 'bmp',
    mediaType: 'image/bmp',
    width,
    height,
    space: 'srgb',
    channels: 3,
    depth: 'uchar',
    bitsPerSample: Math.min(8, bitsPerPixel),
    hasAlpha: false,
    hasProfile: false,
  };
}

/**
 * SVG is refused unless allowed. When allowed, a DOCTYPE is refused, since its entities can
 * name local files; librsvg, given bytes with no base file, loads no external reference
 * at all (only `data:` URLs), so nothing else needs removing.
 */
function checkSvg(key: string, bytes: Buffer, limits: Limits): void {
  if (!limits.allowSvg) {
    throw new RejectionError(
      key,
      RejectionCheck.svgNotAllowed,
      'SVG input is switched off (set allowSvg, ALLOW_SVG=true, to rasterise it)',
    );
  }
  if (/<!DOCTYPE/i.test(bytes.toString('utf8'))) {
    throw new RejectionError(
      key,
      RejectionCheck.svgDoctype,
      'SVG with a DOCTYPE is refused: its entities could pull in local files',
    );
  }
}
