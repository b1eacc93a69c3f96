import { RejectionCheck, RejectionError } from '../errors.ts';

/** The container formats pixelater recognises from their first bytes. */
export const SourceFormat = {
  jpeg: 'jpeg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  tiff: 'tiff',
  bmp: 'bmp',
  heif: 'heif',
  avif: 'avif',
  svg: 'svg',
} as const;
export type SourceFormat = (typeof SourceFormat)[keyof typeof SourceFormat];

const heifBrands = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1']);
const avifBrands = new Set(['avif', 'avis']);

/**
 * Names the format of `bytes` from its magic number, never from the key or Content-Type.
 *
 * @example
 * sniffFormat('photos/cat.jpg', await readFile('cat.jpg')); // 'jpeg'
 * @throws {RejectionError} when the bytes are empty or are not a recognised image format.
 */
export function sniffFormat(key: string, bytes: Uint8Array): SourceFormat {
  if (bytes.length === 0) {
    throw new RejectionError(key, RejectionCheck.emptyObject, 'empty object (0 bytes)');
  }
  const ascii = (start: number, end: number) =>
    Buffer.from(bytes.subarray(start, end)).toString('latin1');

  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return SourceFormat.jpeg;
  if (ascii(0, 8) === '\x89PNG\r\n\x1a\n') return SourceFormat.png;
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return SourceFormat.gif;
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return SourceFormat.webp;
  if (ascii(0, 4) === 'II*\0' || ascii(0, 4) === 'MM\0*') return SourceFormat.tiff;
  if (ascii(0, 2) === 'BM' && bytes.length >= 26) return SourceFormat.bmp;
  if (ascii(4, 8) === 'ftyp') {
    const brands = ftypBrands(ascii, bytes.length);
    if (brands.some((brand) => avifBrands.has(brand))) return SourceFormat.avif;
    if (brands.some((brand) => heifBrands.has(brand))) return SourceFormat.heif;
  }
  if (looksLikeSvg(bytes)) return SourceFormat.svg;

  throw new RejectionError(
    key,
    RejectionCheck.notAnImage,
    `not an image (starts with '${printablePrefix(bytes)}')`,
  );
}

function ftypBrands(ascii: (start: number, end: number) => string, length: number): string[] {
  const boxSize = Math.min(length, 64);
  const brands = [ascii(8, 12)];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) brands.push(ascii(offset, offset + 4));
  return brands;
}

function looksLikeSvg(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 4096))
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const withoutProlog = head
    .replace(/^\s*<\?xml[^>]*\?>/, '')
    .replace(/^(\s*<!--[\s\S]*?-->)*/, '')
    .replace(/^\s*<!DOCTYPE[^>[]*(\[[\s\S]*?\])?\s*>/i, '')
    .replace(/^(\s*<!--[\s\S]*?-->)*/, '');
  return /^\s*<svg[\s>]/i.test(withoutProlog);
}

/** Up to eight characters of the object's start, with anything unprintable shown as '.'. */
function printablePrefix(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 8), (byte) =>
    byte >= 0x20 && byte < 0x7f && byte !== 0x27 ? String.fromCharCode(byte) : '.',
  ).join('');
}
