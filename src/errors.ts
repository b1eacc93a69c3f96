/**
 * Every failure pixelater can meet while handling one object, as typed classes.
 *
 * A `RejectionError` is permanent: the object itself is at fault (not an image, over a
 * limit, corrupt). It is recorded as a rejection and never retried. Anything else is
 * treated as transient and retried by the queue.
 */

/** Which check refused an object; stable strings that rejection records carry. */
export const RejectionCheck = {
  notAnImage: 'not-an-image',
  unsupportedFormat: 'unsupported-format',
  emptyObject: 'empty-object',
  tooManyBytes: 'max-input-bytes',
  tooManyPixels: 'max-pixels',
  tooManyAnimationPixels: 'max-animation-pixels',
  /** The file ends before its image data does (an interrupted upload). */
  truncated: 'truncated',
  /** The pixel data is corrupt beyond what the decoder can recover. */
  undecodable: 'undecodable',
  timeLimit: 'max-seconds',
  /** A key of a record or output would pass S3's limit of 1024 bytes. */
  keyTooLong: 'key-too-long',
  /** SVG input is switched off (`allowSvg`). */
  svgNotAllowed: 'svg-not-allowed',
  /** An SVG declares a DOCTYPE, whose entities could pull in local files. */
  svgDoctype: 'svg-doctype',
  invalidRegions: 'invalid-regions',
} as const;
export type RejectionCheck = (typeof RejectionCheck)[keyof typeof RejectionCheck];

/** The object cannot become outputs, whatever the retries: record it and move on. */
export class RejectionError extends Error {
  override readonly name = 'RejectionError';

  constructor(
    readonly key: string,
    readonly check: RejectionCheck,
    readonly reason: string,
  ) {
    super(`${key}: ${reason}`);
  }
}

/** Settings that would make pixelater process its own outputs, or are otherwise unusable. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

/** The object named by an event no longer exists (deleted before it was processed). */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';

  constructor(
    readonly bucket: string,
    readonly key: string,
  ) {
    super(`${bucket}/${key}: object not found (deleted before it could be processed?)`);
  }
}

/**
 * The source was overwritten again and again while its outputs were being written, so no
 * pass could confirm that what it wrote describes the current bytes. Transient: the queue
 * retries it, and the retry processes whatever is current then.
 */
export class SourceKeptChangingError extends Error {
  override readonly name = 'SourceKeptChangingError';

  constructor(
    readonly key: string,
    readonly passes: number,
  ) {
    super(`${key}: overwritten during each of ${passes} passes; will be retried`);
  }
}
