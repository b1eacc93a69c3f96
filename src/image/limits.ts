/**
 * Limits that protect the service from hostile or oversized input. Each is checked as early
 * as the bytes allow: size before anything else, pixels from the header before any decode.
 */
export interface Limits {
  /** Largest object accepted, in bytes. Default 100 MiB. */
  maxInputBytes: number;
  /** Largest image accepted, in pixels (width x height of one frame). Default 100 megapixels. */
  maxPixels: number;
}

export const defaultLimits: Limits = {
  maxInputBytes: 100 * 1024 * 1024,
  maxPixels: 100_000_000,
};
