import sharp, { type FailOnOptions, type Sharp } from 'sharp';

import { RejectionCheck, RejectionError } from '../errors.ts';
import { decodeApng } from './decode-apng.ts';
import { decodeBmp } from './decode-bmp.ts';
import { decodeHeic } from './decode-heic.ts';
import { isTruncated } from './detect-truncation.ts';
import { inspectImage } from './inspect.ts';
import { DecodeTimeLimitError, type Limits } from './limits.ts';
import { describe, refuseMalformed } from './refuse-malformed.ts';
import { SourceFormat, sniffFormat } from './sniff-format.ts';
import type { DecodeWarning, ImageInfo, RawImage } from './types.ts';

/** Every frame of an animation, decoded once, stacked top to bottom in one buffer. */
export interface Animation {
  /** `frameCount` frames of `frameHeight` rows each. */
  frames: RawImage;
  frameCount: number;
  frameHeight: number;
  delaysMs: number[];
  loop: number;
}

/** The one decoded working copy of a source, and what the decoder had to recover from. */
export interface DecodedImage {
  /** The image, or the first frame of an animation: what JPEG and other still outputs get. */
  still: RawImage;
  /** Present when the source is animated (GIF, WebP, APNG). */
  animation?: Animation;
  warnings: DecodeWarning[];
}

/**
 * Most decoder warnings kept word for word; the rest are counted in one more warning, so a
 * PNG with 200,000 bad chunk checksums gives a short record, not an 8 MB one.
 */
export const maxDecoderWarnings = 20;

/** Opens a sharp pipeline over the source, strict or lenient about damaged pixel data. */
type OpenSource = (failOn: FailOnOptions) => Promise<Sharp>;

/**
 * Decodes the source once, upright and in sRGB, at `width` (at most its displayed width):
 * every frame of an animation, the first page of a multi-page file.
 *
 * Asking libvips for the smaller size up front lets it shrink on load (JPEG decodes at 1/2,
 * 1/4 or 1/8 scale for free), which is most of pixelater's speed on large photos.
 *
 * Broken files, by kind: a file that ends before its end marker (an interrupted upload) is
 * rejected as `truncated`; pixel data with errors the decoder can skip over is decoded
 * leniently and processed with a `corrupt-data` warning; anything the lenient decoder cannot
 * read either is rejected as `undecodable`.
 *
 * @example
 * const { still, animation } = await decodeSource('photos/cat.jpg', bytes, info, 1920, limits);
 * @throws {RejectionError} truncated, undecodable, or over the time limit.
 */
export async function decodeSource(
  key: string,
  bytes: Buffer,
  info: ImageInfo,
  width: number,
  limits: Limits,
): Promise<DecodedImage> {
  const format = sniffFormat(key, bytes);
  // libheif (ours for HEVC, libvips' for AV1) decodes a cut-off HEIF or AVIF without an
  // error, the tiles it never received one flat colour: such a file is refused up front.
  if (
    (format === SourceFormat.heif || format === SourceFormat.avif) &&
    isTruncated(format, bytes)
  ) {
    throw new RejectionError(
      key,
      RejectionCheck.truncated,
      'truncated or corrupt image: the file ends before its image data does (its last box is cut short)',
    );
  }
  const open = openerFor(key, format, bytes, info, width, limits);
  try {
    return await decodeWith(open, 'warning', info, width, limits, []);
  } catch (strictError) {
    // pixelater's own decoders have no lenient mode: what they cannot read is refused at once.
    if (strictError instanceof RejectionError) throw strictError;
    if (strictError instanceof DecodeTimeLimitError || /timeout/i.test(describe(strictError))) {
      throw new RejectionError(
        key,
        RejectionCheck.timeLimit,
        new DecodeTimeLimitError(limits.maxSeconds).message,
      );
    }
    if (/not configured|not been built in/i.test(describe(strictError))) {
      throw new RejectionError(
        key,
        RejectionCheck.unsupportedFormat,
        `unsupported format: ${describe(strictError)}`,
      );
    }
    if (isTruncated(format, bytes)) {
      throw new RejectionError(
        key,
        RejectionCheck.truncated,
        `truncated or corrupt image: the file ends before its image data does ` +
          `(${describe(strictError)})`,
      );
    }
    const warning: DecodeWarning = { check: 'corrupt-data', detail: describe(strictError) };
    return decodeWith(open, 'none', info, width, limits, [warning]).catch(() => {
      throw new RejectionError(
        key,
        RejectionCheck.undecodable,
        `truncated or corrupt image: cannot decode the pixels (${describe(strictError)})`,
      );
    });
  }
}

async function decodeWith(
  open: OpenSource,
  failOn: FailOnOptions,
  info: ImageInfo,
  width: number,
  limits: Limits,
  warnings: DecodeWarning[],
): Promise<DecodedImage> {
  let leftOut = 0;
  const source = (await open(failOn))
    .timeout({ seconds: limits.maxSeconds })
    .on('warning', (detail: string) => {
      if (warnings.length < maxDecoderWarnings) warnings.push({ check: 'decoder-warning', detail });
      else leftOut++;
    });
  // Animations carry no EXIF orientation, and a page-by-page rotation is not what autoOrient does.
  const upright = info.animated ? source : source.autoOrient();
  const { data, info: decoded } = await upright
    .resize({ width, withoutEnlargement: true })
    .toColourspace('srgb')
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  if (leftOut > 0) {
    const detail = `${leftOut} more decoder warnings left out`;
    warnings.push({ check: 'decoder-warning', detail });
  }
  const channels = decoded.channels === 4 ? 4 : 3;
  if (decoded.channels !== channels) throw new Error(`decoded to ${decoded.channels} channels`);

  const frames = { data, width: decoded.width, height: decoded.height, channels } as const;
  if (!info.animated) return { still: frames, warnings };

  const frameHeight = decoded.pageHeight ?? decoded.height / info.frames;
  const frameCount = Math.round(decoded.height / frameHeight);
  const still: RawImage = {
    data: data.subarray(0, decoded.width * frameHeight * channels),
    width: decoded.width,
    height: frameHeight,
    channels,
  };
  const delaysMs = info.delaysMs ?? [];
  return {
    still,
    animation: { frames, frameCount, frameHeight, delaysMs, loop: info.loop ?? 0 },
    warnings,
  };
}

/**
 * How to open each kind of source. libvips reads most formats itself; BMP, HEVC-coded HEIC
 * and APNG frames, which sharp's prebuilt libvips cannot decode, go through a decoder of
 * their own first, whose failures become rejections (`refuseMalformed`).
 */
function openerFor(
  key: string,
  format: SourceFormat,
  bytes: Buffer,
  info: ImageInfo,
  width: number,
  limits: Limits,
): OpenSource {
  const ownDecoder = (decode: () => Promise<Sharp>) => () =>
    refuseMalformed(key, format, bytes, 'pixels', decode);
  if (format === SourceFormat.bmp) {
    return ownDecoder(async () => fromRaw(decodeBmp(bytes)));
  }
  if (format === SourceFormat.heif && info.compression === 'hevc') {
    return ownDecoder(async () => {
      const icc = (await sharp(bytes).metadata()).icc;
      return sharp(await decodeHeic(bytes, icc, width, limits.maxSeconds));
    });
  }
  if (format === SourceFormat.png && info.animated) {
    return ownDecoder(async () => {
      const frames = decodeApng(bytes);
      return fromRaw(frames, frames.height / info.frames);
    });
  }
  // An animation is limited by maxAnimationPixels, checked from its header already.
  const limitInputPixels = info.animated ? false : limits.maxPixels;
  return async (failOn) => sharp(bytes, { failOn, limitInputPixels, animated: info.animated });
}

function fromRaw(image: RawImage, pageHeight?: number): Sharp {
  const { width, height, channels } = image;
  // sharp treats raw input as one page unless told to read them all.
  return sharp(image.data, {
    raw: { width, height, channels, pageHeight },
    animated: !!pageHeight,
  });
}

/**
 * The still, orientation-corrected pixels of `bytes` at most `width` wide: what detection
 * searches and what a render derives its outputs from.
 *
 * @example
 * const working = await decodeUpright('photos/cat.jpg', bytes, 1800, defaultLimits);
 * @throws {RejectionError} as `inspectImage` and `decodeSource` do.
 */
export async function decodeUpright(
  key: string,
  bytes: Buffer,
  width: number,
  limits: Limits,
): Promise<RawImage> {
  const info = await inspectImage(key, bytes, limits);
  const { still } = await decodeSource(key, bytes, info, Math.min(width, info.width), limits);
  return still;
}
