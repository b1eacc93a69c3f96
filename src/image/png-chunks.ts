/** Where one chunk of a PNG lies: its four-letter type and its data's byte range. */
export interface PngChunk {
  type: string;
  /** Offset of the chunk's data in the file. */
  start: number;
  /** Offset just past the data, or the end of the file if the file is cut short. */
  end: number;
}

/**
 * The chunks of a PNG in file order, up to IEND or the end of the bytes, read from their
 * length and type fields alone (no CRC check, no decompression, no copy), so walking a
 * million chunks costs some tens of milliseconds.
 *
 * @example
 * for (const { type, start, end } of pngChunks(bytes)) {
 *   if (type === 'eXIf') return bytes.subarray(start, end);
 * }
 */
export function* pngChunks(bytes: Buffer): Generator<PngChunk> {
  for (let offset = 8; offset + 12 <= bytes.length;) {
    const length = bytes.readUInt32BE(offset);
    // Four byte reads: a string decoder per chunk would triple the cost of the walk.
    const type = String.fromCharCode(
      bytes[offset + 4] ?? 0,
      bytes[offset + 5] ?? 0,
      bytes[offset + 6] ?? 0,
      bytes[offset + 7] ?? 0,
    );
    const start = offset + 8;
    yield { type, start, end: Math.min(bytes.length, start + length) };
    if (type === 'IEND') return;
    offset = start + length + 4;
  }
}
