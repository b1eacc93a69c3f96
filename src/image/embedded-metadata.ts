import exifr, * as exifrModule from 'exifr';
import { parse as parseIcc } from 'icc';
import sharp, { type Metadata } from 'sharp';

import type { SourceHeader } from './inspect.ts';
import { pngChunks } from './png-chunks.ts';
import { describe } from './refuse-malformed.ts';

/** Who made the picture and how, from EXIF (and XMP where EXIF is silent). */
export interface CameraSummary {
  make?: string;
  model?: string;
  lens?: string;
  software?: string;
  /** Local time of capture as the camera wrote it, `YYYY-MM-DDTHH:MM:SS`, no zone. */
  capturedAt?: string;
  /** The capture time's offset from UTC, `+HH:MM`, when the file records one. */
  capturedAtOffset?: string;
  exposureSeconds?: number;
  fNumber?: number;
  iso?: number;
  focalLengthMm?: number;
  focalLength35mmMm?: number;
}

/** Which kinds of metadata the source carried; none of them is ever copied to an output. */
export interface EmbeddedSummary {
  exif: boolean;
  xmp: boolean;
  iptc: boolean;
  /** A GPS latitude and longitude: only whether there was one, never where. */
  gps: boolean;
  iccProfile: boolean;
  /** The ICC profile's own name ('desc' tag), e.g. 'Display P3', 'Adobe RGB (1998)'. */
  iccDescription?: string;
  /** An HDR gain map (Ultra HDR / ISO 21496-1 JPEG). */
  gainMap: boolean;
  /** An embedded EXIF thumbnail (IFD1). */
  thumbnail: boolean;
}

export interface GpsPosition {
  latitude: number;
  longitude: number;
  /** Metres above sea level (negative below), when recorded. */
  altitudeM?: number;
}

export interface SourceMetadata {
  camera: CameraSummary;
  embedded: EmbeddedSummary;
  /** Only when asked for with `includeGpsPosition`; undefined otherwise or when absent. */
  gpsPosition?: GpsPosition;
  /** Metadata that could not be read; the image itself is still processed. */
  warnings: string[];
}

export interface ReadMetadataOptions {
  /** Return the GPS position itself, not only whether there is one. Default false. */
  includeGpsPosition: boolean;
}

type ExifFields = Record<string, unknown>;

// exifr's ES module build leaves `sidecar` out of its default export and its CommonJS build
// has no named exports, so it is taken from whichever build this runtime loaded.
const readXmpSidecar = exifrModule.sidecar ?? exifr.sidecar;

/** Set on the merged fields when IFD1 (the EXIF thumbnail's directory) has an offset. */
const thumbnailField = 'pixelater:thumbnail';

/**
 * Largest XMP block parsed, in bytes. exifr reads XMP with regular expressions whose cost grows
 * with size times nesting depth (an 18 MB hostile block took 16 s and 1 GB); real XMP is a few
 * kilobytes, a Photoshop edit history some tens.
 */
export const maxXmpBytes = 256 * 1024;

/** Deepest element nesting parsed in an XMP block; real XMP nests about ten deep. */
export const maxXmpDepth = 32;

// XMP is never read from the file by exifr: only libvips' XMP block, after it is checked.
const exifOptions = {
  tiff: true,
  ifd1: true,
  exif: true,
  gps: true,
  xmp: false,
  interop: false,
  iptc: false,
  icc: false,
  jfif: false,
  ihdr: false,
  makerNote: false,
  userComment: false,
  // Raw values: dates stay as the camera wrote them, with no time zone guessed.
  reviveValues: false,
  translateValues: false,
  translateKeys: true,
  mergeOutput: false,
};

/**
 * Summarises the metadata embedded in an image: camera and exposure, capture time, which
 * blocks it carried (EXIF, XMP, IPTC, ICC with its name, GPS, gain map, thumbnail). Pure: bytes in, summary out. Never throws for bad metadata: what cannot be
 * read becomes a warning.
 *
 * @example
 * const { camera, embedded } = await readSourceMetadata(bytes, { includeGpsPosition: false });
 * camera.model; // 'Canon EOS 40D'
 * embedded.gps; // true or false, never the position
 */
export async function readSourceMetadata(
  bytes: Buffer,
  options: ReadMetadataOptions,
  inspected?: SourceHeader,
): Promise<SourceMetadata> {
  const warnings: string[] = [];
  // The pipeline passes the header inspectSource read; alone, this reads it itself.
  const header =
    inspected ??
    (await sharp(bytes, { limitInputPixels: false })
      .metadata()
      .catch((): Metadata | undefined => undefined));
  const fields = {
    ...(await readXmp(header, warnings)),
    ...(await readExif(bytes, header, warnings)),
  };
  const position = positionOf(fields);

  const summary: SourceMetadata = {
    camera: cameraOf(fields),
    embedded: {
      exif: header?.exif !== undefined || fields.Make !== undefined,
      xmp: header?.xmp !== undefined,
      iptc: header?.iptc !== undefined,
      gps: position !== undefined,
      iccProfile: header?.icc !== undefined,
      iccDescription: header?.icc && iccDescriptionOf(header.icc, warnings),
      // LIMITATION: Ultra HDR JPEG gain maps only; Apple's HEIC gain map (an auxiliary image)
      // is not looked for, so iPhone HDR photos report `gainMap: false`.
      gainMap: header?.gainMap !== undefined || (header?.xmpAsString ?? '').includes('hdrgm:'),
      // LIMITATION: EXIF (IFD1) thumbnails only; JFIF and HEIF thumbnails are not looked for.
      thumbnail: fields[thumbnailField] !== undefined,
    },
    warnings,
  };
  if (options.includeGpsPosition && position) summary.gpsPosition = position;
  return summary;
}

async function readExif(
  bytes: Buffer,
  header: SourceHeader | undefined,
  warnings: string[],
): Promise<ExifFields> {
  // libvips hands over the EXIF block itself whenever it found one, a TIFF structure,
  // sometimes behind an 'Exif\0\0' marker. It is read first: exifr does not know every
  // container (WebP, GIF), and in an AVIF it finds the item but none of its fields.
  if (header?.exif) {
    const marked = header.exif.subarray(0, 6).toString('latin1') === 'Exif\0\0';
    return parseExif(marked ? header.exif.subarray(6) : header.exif, warnings, 'block');
  }
  // libvips leaves a TIFF's EXIF directory and a PNG's eXIf chunk after IDAT unread; every
  // other format's EXIF it would have found. exifr walks a TIFF's directories only, but a
  // PNG chunk by chunk, slowly (a second per million chunks), so that walk is done here.
  if (header?.format === 'tiff') return parseExif(bytes, warnings, 'file');
  if (header?.format === 'png') {
    for (const { type, start, end } of pngChunks(bytes)) {
      if (type === 'eXIf') return parseExif(bytes.subarray(start, end), warnings, 'block');
    }
  }
  return {};
}

async function parseExif(
  input: Buffer,
  warnings: string[],
  what: 'block' | 'file',
): Promise<ExifFields> {
  try {
    return merged(((await exifr.parse(input, exifOptions)) as ExifFields | undefined) ?? {});
  } catch (error) {
    // A whole file exifr does not know (WebP, GIF) simply has no EXIF it can find.
    if (what === 'block' || !/unknown file format/i.test(describe(error)))
      warnings.push(`EXIF could not be read (${describe(error)})`);
    return {};
  }
}

/**
 * The fields of libvips' XMP block, when it is small and nests sensibly: parsing a larger or
 * deeper block could take seconds, so it is skipped with a warning (`embedded.xmp` still says
 * there was one).
 */
async function readXmp(header: SourceHeader | undefined, warnings: string[]): Promise<ExifFields> {
  if (!header?.xmp) return {};
  // LIMITATION: a block over the size or depth limit is not read at all, so a lens or creator
  // tool found only in it is missing from the record's `camera`.
  if (header.xmp.length > maxXmpBytes) {
    warnings.push(
      `XMP not read: ${header.xmp.length} bytes is over the limit of ${maxXmpBytes} bytes`,
    );
    return {};
  }
  const xml = header.xmp.toString('utf8');
  const problem = nestingProblem(xml);
  if (problem) {
    warnings.push(`XMP not read: ${problem}`);
    return {};
  }
  try {
    return merged(((await readXmpSidecar(header.xmp, xmpOptions, 'xmp')) as ExifFields) ?? {});
  } catch (error) {
    warnings.push(`XMP could not be read (${describe(error)})`);
    return {};
  }
}

const xmpOptions = { ...exifOptions, tiff: false, ifd1: false, exif: false, gps: false, xmp: true };

/**
 * Why an XML text is not safe to hand to exifr's XMP parser: an element nested deeper than
 * `maxXmpDepth`, a closing tag that does not match, or a tag left open. One pass, linear in
 * the text's length.
 */
function nestingProblem(xml: string): string | undefined {
  const open: string[] = [];
  for (let start = xml.indexOf('<'); start >= 0; start = xml.indexOf('<', start + 1)) {
    const end = xml.indexOf('>', start);
    if (end < 0) return 'a tag is never closed';
    const tag = xml.slice(start + 1, end);
    start = end;
    if (tag.startsWith('?') || tag.startsWith('!') || tag.endsWith('/')) continue;
    const name = tag.split(/\s/, 1)[0] ?? '';
    if (!name.startsWith('/')) {
      open.push(name);
      if (open.length > maxXmpDepth) return `elements nest deeper than ${maxXmpDepth}`;
    } else if (open.pop() !== name.slice(1)) {
      return `</${name.slice(1, 40)}> does not close the element it should`;
    }
  }
  return open.length > 0 ? `<${open.at(-1)?.slice(0, 40)}> is never closed` : undefined;
}

/** One flat set of fields, EXIF winning over XMP where both name the same thing. */
function merged(output: ExifFields): ExifFields {
  // `errors` is exifr's list of what it skipped over, not a block of fields.
  const { ifd0, ifd1, exif, gps, interop: _interop, errors: _errors, ...xmpNamespaces } = output;
  const blocks = [...Object.values(xmpNamespaces), ifd0, exif, gps].filter(
    (block): block is ExifFields => typeof block === 'object' && block !== null,
  );
  const fields: ExifFields = Object.assign({}, ...blocks);
  const thumbnail = ifd1 as ExifFields | undefined;
  if (thumbnail?.ThumbnailOffset !== undefined) fields[thumbnailField] = true;
  return fields;
}

function cameraOf(fields: ExifFields): CameraSummary {
  const captured = captureTimeOf(
    text(fields.DateTimeOriginal) ?? text(fields.CreateDate) ?? text(fields.DateCreated),
  );
  const summary: CameraSummary = {
    make: text(fields.Make),
    model: text(fields.Model),
    lens: text(fields.LensModel) ?? text(fields.Lens),
    software: text(fields.Software) ?? text(fields.CreatorTool),
    capturedAt: captured?.local,
    capturedAtOffset:
      offsetOf(text(fields.OffsetTimeOriginal) ?? text(fields.OffsetTime)) ?? captured?.offset,
    exposureSeconds: number(fields.ExposureTime),
    fNumber: number(fields.FNumber),
    iso: number(fields.ISO) ?? number(fields.ISOSpeedRatings),
    focalLengthMm: number(fields.FocalLength),
    focalLength35mmMm: number(fields.FocalLengthIn35mmFormat),
  };
  return Object.fromEntries(
    Object.entries(summary).filter(([, value]) => value !== undefined),
  ) as CameraSummary;
}

/** '2008:05:30 15:56:01', '2016-07-02T07:34:02.60' or '2013-07-05T03:18:27Z'. */
function captureTimeOf(value: string | undefined): { local: string; offset?: string } | undefined {
  const match = value?.match(
    /^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?/,
  );
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  if (year === '0000') return undefined;
  return {
    local: `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction ?? ''}`,
    offset: offsetOf(zone),
  };
}

function offsetOf(zone: string | undefined): string | undefined {
  if (zone === 'Z') return '+00:00';
  const match = zone?.match(/^([+-])(\d{2}):?(\d{2})$/);
  return match ? `${match[1]}${match[2]}:${match[3]}` : undefined;
}

// LIMITATION: only an EXIF GPS block counts; a position written only in XMP (exif:GPSLatitude
// as text) is not seen, so such a file is reported with `gps: false`.
function positionOf(fields: ExifFields): GpsPosition | undefined {
  const latitude = number(fields.latitude);
  const longitude = number(fields.longitude);
  if (latitude === undefined || longitude === undefined) return undefined;
  const position: GpsPosition = { latitude, longitude };
  const altitude = number(fields.GPSAltitude);
  if (altitude !== undefined) {
    const reference = fields.GPSAltitudeRef as ArrayLike<number> | number | undefined;
    const below = (typeof reference === 'number' ? reference : reference?.[0]) === 1;
    position.altitudeM = below ? -altitude : altitude;
  }
  return position;
}

function iccDescriptionOf(profile: Buffer, warnings: string[]): string | undefined {
  try {
    return text(parseIcc(profile).description);
  } catch (error) {
    warnings.push(`ICC profile could not be read (${describe(error)})`);
    return undefined;
  }
}

/** A trimmed string without the NULs some writers pad with; undefined when empty. */
function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const cleaned = value.replace(/\0/g, '').trim();
  return cleaned === '' || cleaned === 'null' ? undefined : cleaned;
}

function number(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
