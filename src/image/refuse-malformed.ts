import { RejectionCheck, RejectionError } from '../errors.ts';
import { isTruncated } from './detect-truncation.ts';
import { DecodeTimeLimitError } from './limits.ts';
import type { SourceFormat } from './sniff-format.ts';

/** Which part of the file a reader was after, for the rejection's reason. */
export type ReadStage = 'header' | 'pixels';

/**
 * Runs a header reader or decoder over the source and turns whatever it throws into a
 * rejection naming the object: `truncated` when the file stops before its end marker,
 * `undecodable` otherwise. Every reader of untrusted bytes goes through it (libvips' header
 * read, and pixelater's own BMP, APNG and HEIC readers, which throw RangeError and the like on
 * short or malformed input), so a malformed file gets a rejection record instead of being
 * retried as an unexpected failure. A RejectionError from the reader passes through as is,
 * and so does a DecodeTimeLimitError, which is about the time spent, not the bytes.
 *
 * @example
 * await refuseMalformed('a.bmp', 'bmp', bytes, 'header', () => readBmpHeader(bytes));
 * // throws RejectionError 'a.bmp: truncated or corrupt image: unreadable header (...)'
 * @throws {RejectionError} when `read` throws.
 */
export async function refuseMalformed<T>(
  key: string,
  format: SourceFormat,
  bytes: Uint8Array,
  stage: ReadStage,
  read: () => T | Promise<T>,
): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof RejectionError || error instanceof DecodeTimeLimitError) throw error;
    const part = stage === 'header' ? 'header' : 'image data';
    if (isTruncated(format, bytes)) {
      throw new RejectionError(
        key,
        RejectionCheck.truncated,
        `truncated or corrupt image: the file ends before its ${part} does (${describe(error)})`,
      );
    }
    const what = stage === 'header' ? 'unreadable header' : 'cannot decode the pixels';
    throw new RejectionError(
      key,
      RejectionCheck.undecodable,
      `truncated or corrupt image: ${what} (${describe(error)})`,
    );
  }
}

/** The error's own message, first line only: it names what is wrong with the file. */
export function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.trim() ?? message;
}
