import { z } from 'zod';

import packageJson from '../../package.json' with { type: 'json' };
import { RejectionCheck } from '../errors.ts';
import type { AnimationSummary } from '../image/animation.ts';
import type { CameraSummary, EmbeddedSummary, GpsPosition } from '../image/embedded-metadata.ts';
import type { Placeholders } from '../image/placeholders.ts';
import type { RedactionAudit } from '../image/regions.ts';
import type { ImageInfo } from '../image/types.ts';

/**
 * The record's shape as a schema: the types below are inferred from it, and
 * `schema/metadata-record.schema.json` (published with the package) is generated from it,
 * so that the TypeScript types, the JSON Schema and what is written cannot disagree.
 * Version 2 added identity, placeholders, camera, embedded blocks, animation and timings.
 */
export const recordSchemaVersion = 2 as const;
export const pixelaterVersion: string = packageJson.version;

const count = z.number().int().nonnegative();

const SourceEntrySchema = z
  .object({
    bucket: z.string(),
    key: z.string(),
    bytes: count,
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional()
      .describe('SHA-256 of the source bytes, hex; absent only when the bytes were never read'),
    etag: z.string().optional(),
    versionId: z.string().optional(),
    sequencer: z.string().optional(),
  })
  .describe('What identifies the bytes that were processed');

const ImageInfoSchema = z
  .object({
    format: z.string(),
    mimeType: z.string(),
    width: count.describe('Width as displayed, after EXIF orientation'),
    height: count.describe('Height as displayed, after EXIF orientation'),
    storedWidth: count,
    storedHeight: count,
    orientation: z.number().int().min(0).max(8),
    colourSpace: z.string(),
    channels: count,
    bitDepth: count,
    hasAlpha: z.boolean(),
    hasIccProfile: z.boolean(),
    frames: count.min(1).describe('Frames of an animation, or pages of a multi-page file'),
    animated: z.boolean().describe('True for animations (GIF, WebP, APNG); pages are not'),
    delaysMs: z.array(count).optional().describe('Display time of each frame'),
    loop: count.optional().describe('Times an animation plays; 0 means forever'),
    compression: z.string().optional().describe('Codec inside a HEIF container: hevc or av1'),
  })
  .describe('What the source is, read from its header');

const CameraSchema = z
  .object({
    make: z.string().optional(),
    model: z.string().optional(),
    lens: z.string().optional(),
    software: z.string().optional(),
    capturedAt: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/)
      .optional()
      .describe('Local capture time as the camera wrote it, without a zone'),
    capturedAtOffset: z
      .string()
      .regex(/^[+-]\d{2}:\d{2}$/)
      .optional()
      .describe("The capture time's offset from UTC, when recorded"),
    exposureSeconds: z.number().positive().optional(),
    fNumber: z.number().nonnegative().optional(),
    iso: z.number().nonnegative().optional(),
    focalLengthMm: z.number().nonnegative().optional(),
    focalLength35mmMm: z.number().nonnegative().optional(),
  })
  .describe('Camera and exposure from EXIF, or XMP where EXIF is silent; {} when neither');

const EmbeddedSchema = z
  .object({
    exif: z.boolean(),
    xmp: z.boolean(),
    iptc: z.boolean(),
    gps: z.boolean().describe('Whether the source carried a GPS position (never where)'),
    iccProfile: z.boolean(),
    iccDescription: z.string().optional().describe("The ICC profile's 'desc' tag"),
    gainMap: z.boolean().describe('An HDR gain map (Ultra HDR JPEG)'),
    thumbnail: z.boolean().describe('An embedded EXIF thumbnail'),
  })
  .describe('Which metadata the source carried; outputs carry none of it');

const AnimationSchema = z
  .object({
    frames: count.min(2),
    delaysMs: z.array(count).describe('Delay after each frame, one per frame'),
    loop: count.describe('Times the animation plays; 0 means forever'),
    durationMs: count,
  })
  .describe('Present for animated sources only');

const GpsPositionSchema = z
  .object({
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
    altitudeM: z.number().optional(),
  })
  .describe('Only when the recipe sets record.includeGpsPosition');

const PlaceholdersSchema = z
  .object({
    thumbHash: z.string().describe('ThumbHash, base64'),
    blurHash: z.string(),
    blurHashComponents: z.tuple([count.min(1).max(9), count.min(1).max(9)]),
    dataUri: z.string().regex(/^data:image\/[a-z]+;base64,/),
    dominantColour: z.string().regex(/^#[0-9a-f]{6}$/),
  })
  .describe('What to show before the image loads, all from one small decoded copy');

const RectSchema = z.object({ left: count, top: count, width: count, height: count });

const DetectionSourceSchema = z.enum(['faces', 'text']);

const RedactionSchema = z
  .object({
    sources: z.array(DetectionSourceSchema).describe('The detected region sources asked for'),
    regions: z.array(
      z.object({
        source: DetectionSourceSchema,
        score: z.number().min(0).max(1),
        box: RectSchema.describe('The box the detector found, in displayed pixels'),
        region: RectSchema.describe('What was pixelated: the box and its margin, clipped'),
      }),
    ),
    detectors: z.array(
      z.object({
        target: DetectionSourceSchema,
        detector: z.string(),
        model: z.string().describe('File name of the model'),
        modelSha256: z.string().regex(/^[0-9a-f]{64}$/),
        thresholds: z.record(z.string(), z.number()),
        tileWidths: z.array(count).describe('Tile widths searched besides the whole image'),
      }),
    ),
    margins: z.object({ faces: z.number(), text: z.number() }),
    blocksAcross: count.describe("Blocks along each region's longer side"),
    searchedWidth: count,
    searchedHeight: count,
    detectMs: count,
  })
  .describe('Every box pixelated by detection, and which detector and model found it');

const OutputEntrySchema = z.object({
  name: z.string(),
  key: z.string(),
  format: z.string(),
  contentType: z.string(),
  width: count,
  height: count,
  bytes: count,
  encodeMs: count.optional(),
  redaction: RedactionSchema.optional(),
});

const TimingsSchema = z
  .object({
    fetch: count.optional(),
    inspect: count.optional(),
    decode: count.optional(),
    describe: count.optional().describe('Metadata, placeholders and perceptual hash'),
    encode: count.optional().describe('All outputs, encoded together'),
    upload: count.optional(),
    total: count.optional(),
  })
  .catchall(count)
  .describe('Milliseconds per stage');

const commonShape = {
  schemaVersion: z.literal(recordSchemaVersion),
  source: SourceEntrySchema,
  recipe: z.object({ name: z.string(), hash: z.string() }),
  pixelater: z.object({ version: z.string() }),
  processedAt: z.iso.datetime(),
};

export const ProcessedRecordSchema = z
  .object({
    status: z.literal('processed'),
    ...commonShape,
    image: ImageInfoSchema,
    perceptualHash: z
      .string()
      .regex(/^[0-9a-f]{16}$/)
      .describe('64-bit DCT hash; near-duplicates differ in few bits'),
    placeholders: PlaceholdersSchema,
    camera: CameraSchema,
    embedded: EmbeddedSchema,
    animation: AnimationSchema.optional(),
    gpsPosition: GpsPositionSchema.optional(),
    outputs: z.array(OutputEntrySchema),
    warnings: z
      .array(z.string())
      .describe(
        'What the decoder and metadata readers warned about: the first 20 decoder warnings ' +
          'word for word, then one saying how many more were left out',
      ),
    timingsMs: TimingsSchema,
  })
  .describe('<source key>/metadata.json for an image that was processed');

export const RejectedRecordSchema = z
  .object({
    status: z.literal('rejected'),
    ...commonShape,
    rejection: z.object({
      check: z.enum(Object.values(RejectionCheck) as [RejectionCheck, ...RejectionCheck[]]),
      reason: z.string(),
    }),
  })
  .describe('<source key>/metadata.json for an object that was refused, saying why');

/** Why a failed record was written; unlike a rejection, the object is retried. */
export const FailureCheck = { detectionFailed: 'detection-failed' } as const;
export type FailureCheck = (typeof FailureCheck)[keyof typeof FailureCheck];

export const FailedRecordSchema = z
  .object({
    status: z.literal('failed'),
    ...commonShape,
    failure: z.object({
      check: z.enum(Object.values(FailureCheck) as [FailureCheck, ...FailureCheck[]]),
      reason: z.string(),
      willRetry: z.literal(true),
    }),
  })
  .describe(
    '<source key>/metadata.json for an object whose outputs that promise redaction could not ' +
      'be made (detection failed or timed out): nothing else is listed for it, and it is retried',
  );

export const MetadataRecordSchema = z
  .discriminatedUnion('status', [ProcessedRecordSchema, RejectedRecordSchema, FailedRecordSchema])
  .meta({ title: 'pixelater metadata record' });

export type SourceEntry = z.infer<typeof SourceEntrySchema>;
export type OutputEntry = z.infer<typeof OutputEntrySchema>;
export type ProcessedRecord = z.infer<typeof ProcessedRecordSchema>;
export type RejectedRecord = z.infer<typeof RejectedRecordSchema>;
export type FailedRecord = z.infer<typeof FailedRecordSchema>;
export type MetadataRecord = z.infer<typeof MetadataRecordSchema>;

// The image code's types and the schema must name the same fields, or this fails to compile:
// a field added to ImageInfo must be added to the schema (and so to the JSON Schema) too.
type Same<A, B> = [A, keyof A] extends [B, keyof B]
  ? [B, keyof B] extends [A, keyof A]
    ? true
    : false
  : false;
const shapesAgree: [true, true, true, true, true, true, true] = [
  true as Same<ImageInfo, z.infer<typeof ImageInfoSchema>>,
  true as Same<CameraSummary, z.infer<typeof CameraSchema>>,
  true as Same<EmbeddedSummary, z.infer<typeof EmbeddedSchema>>,
  true as Same<AnimationSummary, z.infer<typeof AnimationSchema>>,
  true as Same<GpsPosition, z.infer<typeof GpsPositionSchema>>,
  true as Same<Placeholders, z.infer<typeof PlaceholdersSchema>>,
  true as Same<RedactionAudit, z.infer<typeof RedactionSchema>>,
];
void shapesAgree;
