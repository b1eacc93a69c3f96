import { DetectionFailedError, ModelLoadError } from '../detect/errors.ts';
import { SourceKeptChangingError } from '../errors.ts';

/**
 * What kind of failure stopped an object, for the log line that says what to do about it.
 * Every kind is retried by the queue and ends in the dead-letter queue after the receive
 * count; objects at fault never get here (they become rejection records).
 */
export const FailureKind = {
  /** Throttling, a 5xx, a timeout, a dropped connection: retrying is expected to work. */
  transient: 'transient',
  /** The storage refused the request (4xx: access denied, no such bucket): fix the set-up. */
  refused: 'refused',
  /** Anything else, most likely a bug in pixelater: the dead-letter queue keeps the event. */
  unexpected: 'unexpected',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

const transientNames = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'InternalError',
  'ServiceUnavailable',
]);

const transientCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * Classifies an error from storage or the pipeline by its shape (the AWS SDK's `$metadata`
 * and `$retryable`, Node's error codes), with no SDK import, so any store can be judged.
 *
 * @example
 * classifyFailure(Object.assign(new Error('Slow Down'), { name: 'SlowDown' })); // 'transient'
 * classifyFailure(new TypeError("Cannot read properties of undefined")); // 'unexpected'
 */
export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof SourceKeptChangingError) return FailureKind.transient;
  // A model that cannot be loaded needs the set-up fixed; a slow or failed search may pass.
  if (error instanceof DetectionFailedError) {
    return error.cause instanceof ModelLoadError ? FailureKind.refused : FailureKind.transient;
  }
  if (!(error instanceof Error)) return FailureKind.unexpected;
  const shaped = error as Error & {
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  const status = shaped.$metadata?.httpStatusCode;
  if (
    shaped.$retryable !== undefined ||
    transientNames.has(error.name) ||
    (shaped.code !== undefined && transientCodes.has(shaped.code)) ||
    (status !== undefined && (status >= 500 || status === 429 || status === 408))
  ) {
    return FailureKind.transient;
  }
  if (status !== undefined && status >= 400) return FailureKind.refused;
  return FailureKind.unexpected;
}
