import type { Region } from '../image/pixelate-regions.ts';
import type { Detection } from './types.ts';

/**
 * Non-maximum suppression: keeps the highest-scoring detection of each cluster and drops
 * every detection that overlaps a kept one by more than `maxOverlap` intersection over union,
 * or lies mostly (`maxContainment` of its own area) inside a kept one. The second test drops
 * the part of a face that a tile edge cut off, which overlaps the whole face's box too
 * little for the first.
 *
 * @example
 * suppressOverlaps(detections, { maxOverlap: 0.3, maxContainment: 0.7 });
 */
export function suppressOverlaps(
  detections: readonly Detection[],
  limits: { maxOverlap: number; maxContainment: number },
): Detection[] {
  const sorted = [...detections].sort((a, b) => b.score - a.score);
  const kept: Detection[] = [];
  for (const candidate of sorted) {
    const clashes = kept.some((chosen) => {
      const shared = intersection(candidate.box, chosen.box);
      if (shared === 0) return false;
      const union = area(candidate.box) + area(chosen.box) - shared;
      const smaller = Math.min(area(candidate.box), area(chosen.box));
      return shared / union > limits.maxOverlap || shared / smaller > limits.maxContainment;
    });
    if (!clashes) kept.push(candidate);
  }
  return kept;
}

function area(box: Region): number {
  return box.width * box.height;
}

function intersection(a: Region, b: Region): number {
  const width = Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left);
  const height = Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top);
  return width > 0 && height > 0 ? width * height : 0;
}
