import packageJson from '../../package.json' with { type: 'json' };
import type { RejectionCheck } from '../errors.ts';
import type { ImageInfo } from '../image/types.ts';

export const recordSchemaVersion = 1 as const;
export const pixelaterVersion: string = packageJson.version;

/** What identifies the bytes that were processed. */
export interface SourceEntry {
  bucket: string;
  key: string;
  bytes: number;
  etag?: string;
  versionId?: string;
  sequencer?: string;
}

/** One object written for a source. */
export interface OutputEntry {
  name: string;
  key: string;
  format: string;
  contentType: string;
  width: number;
  height: number;
  bytes: number;
}

interface RecordCommon {
  schemaVersion: typeof recordSchemaVersion;
  source: SourceEntry;
  recipe: { name: string; hash: string };
  pixelater: { version: string };
  processedAt: string;
}

/** `<source key>/metadata.json` for an image that was processed. */
export interface ProcessedRecord extends RecordCommon {
  status: 'processed';
  image: ImageInfo;
  outputs: OutputEntry[];
  timingsMs: Record<string, number>;
}

/** `<source key>/metadata.json` for an object that was refused, saying why. */
export interface RejectedRecord extends RecordCommon {
  status: 'rejected';
  rejection: { check: RejectionCheck; reason: string };
}

export type MetadataRecord = ProcessedRecord | RejectedRecord;
