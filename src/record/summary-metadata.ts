import type { ProcessedRecord } from './metadata-record.ts';
import { SummaryMetadata } from './output-keys.ts';

/** S3 limits user metadata to 2 KB: the UTF-8 bytes of every name and value added up. */
export const userMetadataLimitBytes = 2048;

/** No single value is longer than this, so that one long camera name cannot crowd out others. */
const maxValueLength = 200;

/**
 * The record's summary as S3 user metadata: identity, size, placeholders, GPS yes/no,
 * capture time and camera. Values are printable ASCII only (HTTP headers carry them; other
 * characters are folded to ASCII or replaced by '?'), and the whole, with `base`, stays
 * within S3's 2 KB; when it would not, the entries listed last are left out.
 *
 * @example
 * summaryMetadata(record, { 'pixelater-role': 'output' });
 * // { 'pixelater-role': 'output', 'pixelater-source-sha256': '9f86…', 'pixelater-gps': 'no', … }
 */
export function summaryMetadata(
  record: ProcessedRecord,
  base: Record<string, string>,
): Record<string, string> {
  const { image, camera, embedded, placeholders } = record;
  const captured = camera.capturedAt && `${camera.capturedAt}${camera.capturedAtOffset ?? ''}`;
  const cameraName = [camera.make, camera.model].filter(Boolean).join(' ');
  const entries: [string, string | number | undefined][] = [
    [SummaryMetadata.sourceSha256, record.source.sha256],
    [SummaryMetadata.perceptualHash, record.perceptualHash],
    [SummaryMetadata.sourceFormat, image.format],
    [SummaryMetadata.sourceWidth, image.width],
    [SummaryMetadata.sourceHeight, image.height],
    [SummaryMetadata.frames, image.frames],
    [SummaryMetadata.dominantColour, placeholders.dominantColour],
    [SummaryMetadata.gps, embedded.gps ? 'yes' : 'no'],
    [SummaryMetadata.thumbHash, placeholders.thumbHash],
    [SummaryMetadata.blurHash, placeholders.blurHash],
    [SummaryMetadata.capturedAt, captured],
    [SummaryMetadata.camera, cameraName],
    [SummaryMetadata.lens, camera.lens],
    [SummaryMetadata.iccDescription, embedded.iccDescription],
  ];

  const metadata = { ...base };
  let bytes = sizeOf(base);
  for (const [name, value] of entries) {
    if (value === undefined || value === '') continue;
    const text = asciiOf(String(value)).slice(0, maxValueLength);
    if (bytes + name.length + text.length > userMetadataLimitBytes) continue;
    metadata[name] = text;
    bytes += name.length + text.length;
  }
  return metadata;
}

/** 'Ñikon Ångström' -> 'Nikon Angstrom'; what has no ASCII letter becomes '?'. */
function asciiOf(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/g, '?')
    .trim();
}

function sizeOf(metadata: Record<string, string>): number {
  return Object.entries(metadata).reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  );
}
