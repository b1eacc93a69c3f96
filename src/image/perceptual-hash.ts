import { fromRaw } from './encode.ts';
import type { RawImage } from './types.ts';

const side = 32;
const kept = 8;

/** Cosine table: `cosines[u][x]` = cos((2x + 1) u pi / 2N) for the 32-point DCT. */
const cosines = Array.from({ length: kept }, (_, u) =>
  Array.from({ length: side }, (_, x) => Math.cos(((2 * x + 1) * u * Math.PI) / (2 * side))),
);

/**
 * A 64-bit DCT perceptual hash as 16 hex digits: the image in grey at 32x32, its 2-D
 * cosine transform, and one bit for each of the 8x8 lowest frequencies, set when that
 * coefficient is above their median (the median leaves out the DC term, the mean grey).
 * Re-encoding or resizing leaves it unchanged or a few bits away; different photos among
 * our fixtures are 22 or more bits apart (compare with `hammingDistance`).
 *
 * @example
 * const hash = await perceptualHash(small); // 'c3a1f0e0b8d89c9e'
 */
export async function perceptualHash(image: RawImage): Promise<string> {
  // Transparent pixels count as white, so that a cut-out and its flattened copy agree.
  const grey = await fromRaw(image)
    .flatten({ background: '#ffffff' })
    .resize({ width: side, height: side, fit: 'fill' })
    .greyscale()
    .raw()
    .toBuffer();

  const coefficients = lowFrequencies(grey);
  const median = medianOf(coefficients.slice(1));
  let bits = 0n;
  for (const coefficient of coefficients) bits = (bits << 1n) | (coefficient > median ? 1n : 0n);
  return bits.toString(16).padStart(16, '0');
}

/** The number of bits in which two perceptual hashes differ, 0 (same picture) to 64. */
export function hammingDistance(a: string, b: string): number {
  let difference = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (difference > 0n) {
    count += Number(difference & 1n);
    difference >>= 1n;
  }
  return count;
}

/** The 8x8 lowest-frequency DCT-II coefficients of a 32x32 grey image, row by row. */
function lowFrequencies(grey: Buffer): number[] {
  // Rows first: each of the 32 rows to its 8 lowest frequencies.
  const rows: number[][] = [];
  for (let y = 0; y < side; y++) {
    rows.push(
      cosines.map((cos) => cos.reduce((sum, c, x) => sum + c * (grey[y * side + x] ?? 0), 0)),
    );
  }
  const result: number[] = [];
  for (let v = 0; v < kept; v++) {
    for (let u = 0; u < kept; u++) {
      result.push(cosines[v]!.reduce((sum, c, y) => sum + c * rows[y]![u]!, 0));
    }
  }
  return result;
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
