/**
 * Limits and input policies that protect the service from hostile or oversized input. Each
 * limit is checked as early as the bytes allow: size before anything else, pixels and frames
 * from the header before any decode, time while decoding.
 *
 * @example
 * const limits: Limits = { ...defaultLimits, maxPixels: 50_000_000, allowSvg: true };
 */
export interface Limits {
  /** Largest object accepted, in bytes. Default 100 MiB (`MAX_INPUT_BYTES`). */
  maxInputBytes: number;
  /**
   * Largest image accepted, in pixels (width x height of one frame or page), read from the
   * header before any decode. Default 100 megapixels (`MAX_PIXELS`).
   */
  maxPixels: number;
  /**
   * Largest animation accepted, in pixels over all its frames (frames x width x height): an
   * animation is decoded whole, 4 bytes per pixel. Default 100 megapixels
   * (`MAX_ANIMATION_PIXELS`), about 400 MB decoded.
   */
  maxAnimationPixels: number;
  /**
   * Longest a decode may take, in whole seconds, after which the image is refused. Default 20
   * (`MAX_SECONDS`).
   */
  maxSeconds: number;
  /**
   * Whether SVG is rasterised (true) or refused (false, the default; `ALLOW_SVG`). When it is
   * rasterised, no external reference is ever loaded and a DOCTYPE (entities) is refused.
   */
  allowSvg: boolean;
}

export const defaultLimits: Limits = {
  maxInputBytes: 100 * 1024 * 1024,
  maxPixels: 100_000_000,
  maxAnimationPixels: 100_000_000,
  maxSeconds: 20,
  allowSvg: false,
};

/**
 * Thrown by pixelater's own decoders when a decode runs past `maxSeconds`; the decode
 * rejects the image with the `max-seconds` check, as it does when libvips times out.
 */
export class DecodeTimeLimitError extends Error {
  constructor(readonly seconds: number) {
    super(`decoding took longer than ${seconds} s (maxSeconds)`);
    this.name = 'DecodeTimeLimitError';
  }
}
