/** Uncompressed 8-bit sRGB pixels, interleaved, 3 (RGB) or 4 (RGBA) channels. */
export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** The output encodings pixelater writes. */
export const OutputFormat = {
  jpeg: 'jpeg',
  webp: 'webp',
  avif: 'avif',
  png: 'png',
  gif: 'gif',
} as const;
export type OutputFormat = (typeof OutputFormat)[keyof typeof OutputFormat];

export const contentTypeOf: Record<OutputFormat, string> = {
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  avif: 'image/avif',
  png: 'image/png',
  gif: 'image/gif',
};

export const extensionOf: Record<OutputFormat, string> = {
  jpeg: 'jpg',
  webp: 'webp',
  avif: 'avif',
  png: 'png',
  gif: 'gif',
};

/** What the source image is, read from its header without decoding the pixels. */
export interface ImageInfo {
  format: string;
  mimeType: string;
  /** Width as displayed, after the EXIF orientation is applied. */
  width: number;
  /** Height as displayed, after the EXIF orientation is applied. */
  height: number;
  storedWidth: number;
  storedHeight: number;
  /** EXIF orientation, 1 (as stored) to 8; 1 when the file has none. */
  orientation: number;
  colourSpace: string;
  channels: number;
  bitDepth: number;
  hasAlpha: boolean;
  hasIccProfile: boolean;
  /** The codec inside a HEIF container: 'hevc' (iPhone HEIC) or 'av1' (AVIF). */
  compression?: string;
  /** Frames of an animation, or pages of a multi-page file (TIFF, HEIF); 1 for a still. */
  frames: number;
  /** True when the frames are an animation (GIF, WebP, APNG); pages are not. */
  animated: boolean;
  /** Display time of each frame of an animation, in milliseconds. */
  delaysMs?: number[];
  /** How many times an animation plays; 0 means forever. */
  loop?: number;
}

/** Why a processed image may not look as its author meant. */
export interface DecodeWarning {
  /**
   * `corrupt-data`: the pixel data had errors that the decoder skipped over;
   * `decoder-warning`: libvips warned while decoding (a bad chunk checksum, junk bytes).
   */
  check: 'corrupt-data' | 'decoder-warning';
  /** The decoder's own message. */
  detail: string;
}
