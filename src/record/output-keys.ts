/**
 * Where everything made from a source lives: under `<prefix><source key>/`. The name of an
 * output never contains '/', so two different sources can never write the same key.
 *
 * @example
 * outputKey('', 'photos/cat.jpg', 'w320.webp'); // 'photos/cat.jpg/w320.webp'
 */
export function outputKey(prefix: string, sourceKey: string, name: string): string {
  return `${prefix}${sourceKey}/${name}`;
}

export const recordName = 'metadata.json';

/** @example recordKey('', 'photos/cat.jpg'); // 'photos/cat.jpg/metadata.json' */
export function recordKey(prefix: string, sourceKey: string): string {
  return outputKey(prefix, sourceKey, recordName);
}

/**
 * User metadata on every object pixelater writes. An object carrying `pixelater-role` is
 * never processed, whatever bucket it lands in: this is what stops a loop.
 */
export const MarkerMetadata = {
  role: 'pixelater-role',
  sourceEtag: 'pixelater-source-etag',
  sourceVersion: 'pixelater-source-version',
  sequencer: 'pixelater-sequencer',
  recipe: 'pixelater-recipe',
  status: 'pixelater-status',
} as const;

/**
 * User metadata with a summary of the record, put on every output when the recipe sets
 * `record.outputMetadata`, so that a HEAD on any output answers without reading the record.
 */
export const SummaryMetadata = {
  sourceSha256: 'pixelater-source-sha256',
  perceptualHash: 'pixelater-perceptual-hash',
  sourceFormat: 'pixelater-source-format',
  sourceWidth: 'pixelater-source-width',
  sourceHeight: 'pixelater-source-height',
  frames: 'pixelater-frames',
  dominantColour: 'pixelater-dominant-colour',
  thumbHash: 'pixelater-thumbhash',
  blurHash: 'pixelater-blurhash',
  gps: 'pixelater-gps',
  capturedAt: 'pixelater-captured-at',
  camera: 'pixelater-camera',
  lens: 'pixelater-lens',
  iccDescription: 'pixelater-icc',
} as const;
