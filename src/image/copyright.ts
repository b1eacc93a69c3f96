import exifReader from 'exif-reader';
import sharp from 'sharp';

import type { SourceHeader } from './inspect.ts';

/** The EXIF fields a recipe may keep (`metadata.copyright`); nothing else is ever copied. */
export interface CopyrightFields {
  Copyright?: string;
  Artist?: string;
}

/**
 * The source's EXIF Copyright and Artist, read from its header; empty when it has none or
 * its EXIF cannot be read.
 *
 * @example
 * await readCopyright(bytes); // { Copyright: '(c) 2024 Ann', Artist: 'Ann' }
 * @param header the header `inspectSource` already read, if at hand.
 */
export async function readCopyright(
  bytes: Buffer,
  header?: SourceHeader,
): Promise<CopyrightFields> {
  try {
    const { exif } = header ?? (await sharp(bytes, { limitInputPixels: false }).metadata());
    if (!exif) return {};
    const image = exifReader(exif).Image ?? {};
    const fields: CopyrightFields = {};
    if (typeof image.Copyright === 'string' && image.Copyright.trim())
      fields.Copyright = image.Copyright.trim();
    if (typeof image.Artist === 'string' && image.Artist.trim())
      fields.Artist = image.Artist.trim();
    return fields;
  } catch {
    // Malformed EXIF is common (see the fixtures); it costs the copyright line, not the image.
    return {};
  }
}
