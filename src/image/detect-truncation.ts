import { SourceFormat } from './sniff-format.ts';

const tailLength = 1024;

/**
 * Whether the file stops before its format's end marker: a JPEG without its end-of-image
 * marker, a PNG without IEND, a GIF without its trailer, a WebP or BMP shorter than the size its header gives.
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
    default:
      return false;
  }
}
