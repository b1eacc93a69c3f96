import { SourceFormat } from './sniff-format.ts';

const tailLength = 1024;

/**
 * Whether the file stops before its format's end marker: a JPEG without its end-of-image
 * marker, a PNG without IEND, a GIF without its trailer, a WebP or BMP shorter than the size
 * its header gives, a HEIF or AVIF whose last box (the image data) runs past the end.
 * It only classifies a failed decode (an interrupted upload versus corrupt data): decoders
 * accept files with junk after the end, so the marker is looked for near the end only.
 *
 * @example
 * isTruncated('jpeg', bytes.subarray(0, bytes.length / 2)); // true
 */
export function isTruncated(format: SourceFormat, bytes: Uint8Array): boolean {
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.length - tailLength)));
  switch (format) {
    case SourceFormat.jpeg:
      return tail.indexOf(Buffer.from([0xff, 0xd9])) < 0;
    case SourceFormat.png:
      return tail.indexOf('IEND', 0, 'latin1') < 0;
    case SourceFormat.gif:
      return tail.subarray(-16).indexOf(0x3b) < 0;
    case SourceFormat.webp:
      return bytes.length < Buffer.from(bytes.subarray(4, 8)).readUInt32LE(0) + 8;
    case SourceFormat.bmp:
      return bytes.length < Buffer.from(bytes.subarray(2, 6)).readUInt32LE(0);
    case SourceFormat.heif:
    case SourceFormat.avif:
      return boxRunsPastEnd(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    default:
      return false;
  }
}

/**
 * Walks the top-level ISO media boxes (ftyp, meta, mdat, ...): each starts with its size, so
 * a file cut short leaves its last box claiming bytes that are not there.
 */
function boxRunsPastEnd(bytes: Buffer): boolean {
  let offset = 0;
  while (offset + 8 <= bytes.length) {
    const size = bytes.readUInt32BE(offset);
    // 1: a 64-bit size follows the type; 0: the box runs to the end of the file.
    const boxSize =
      size === 1 && offset + 16 <= bytes.length
        ? Number(bytes.readBigUInt64BE(offset + 8))
        : size === 0
          ? bytes.length - offset
          : size;
    if (boxSize < 8 || offset + boxSize > bytes.length) return boxSize >= 8;
    offset += boxSize;
  }
  return false;
}
