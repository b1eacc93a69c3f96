import sharp, { type Sharp, type Metadata } from 'sharp';

import type { OutputFormat, RawImage } from './types.ts';

/** How an output is written; `background` fills transparent pixels in formats without alpha. */
export interface EncodeOptions {
  format: OutputFormat;
  quality: number;
  background: string;
}

/** A sharp pipeline over raw pixels, without copying them. */
export function fromRaw(image: RawImage): Sharp {
  return sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: image.channels },
  });
}

/**
 * Encodes a pipeline to bytes. No metadata is ever written: outputs carry no EXIF, GPS
 * position or camera details, whatever the source had.
 *
 * @example
 * const jpeg = await encode(fromRaw(image), { format: 'jpeg', quality: 80, background: '#fff' });
 */
export async function encode(pipeline: Sharp, options: EncodeOptions): Promise<Buffer> {
  const { format, quality, background } = options;
  switch (format) {
    case 'jpeg':
      return pipeline.flatten({ background }).jpeg({ quality }).toBuffer();
    case 'webp':
      return pipeline.webp({ quality }).toBuffer();
    case 'avif':
      return pipeline.avif({ quality, effort: 2 }).toBuffer();
    case 'png':
      return pipeline.png().toBuffer();
    case 'gif':
      return pipeline.gif().toBuffer();
  }
}
