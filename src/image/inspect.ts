import sharp, { type Sharp, type Metadata } from 'sharp';

import { RejectionCheck, RejectionError } from '../errors.ts';
import type { Limits } from './limits.ts';
import { sniffFormat } from './sniff-format.ts';
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
 * Reads what an image is from its header alone and refuses it early when it breaks a limit.
 *
 * @example
 * const info = await inspectImage('photos/cat.jpg', bytes, defaultLimits);
 * info.width; // displayed width, after EXIF orientation
 * @throws {RejectionError} not an image, over a limit, or a header libvips cannot read.
 */
export async function inspectImage(key: string, bytes: Buffer, limits: Limits): Promise<ImageInfo> {
  if (bytes.length > limits.maxInputBytes) {
    throw new RejectionError(
      key,
      RejectionCheck.tooManyBytes,
      `${bytes.length} bytes is over the limit of ${limits.maxInputBytes} bytes (maxInputBytes)`,
    );
  }
  sniffFormat(key, bytes);

  let metadata: Metadata;
  try {
    // The pixel limit is ours to check below, with a message that names it.
    metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new RejectionError(
      key,
      RejectionCheck.undecodable,
      `unreadable image header (${describe(error)})`,
    );
  }

  const storedWidth = metadata.width ?? 0;
  const storedHeight = metadata.pageHeight ?? metadata.height ?? 0;
  if (storedWidth * storedHeight > limits.maxPixels) {
    throw new RejectionError(
      key,
      RejectionCheck.tooManyPixels,
      `${storedWidth}x${storedHeight} is ${storedWidth * storedHeight} pixels, over the limit of ` +
        `${limits.maxPixels} (maxPixels)`,
    );
  }

  const orientation = metadata.orientation ?? 1;
  const turned = orientation >= 5 && orientation <= 8;
  return {
    format: metadata.format ?? 'unknown',
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
    frames: metadata.pages ?? 1,
  };
}

/** libvips' own message, first line only: it names what is wrong with the file. */
export function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() ?? message;
}
