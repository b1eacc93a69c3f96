import type { DetectionTarget, DetectorAudit } from '../detect/types.ts';
import type { RegionValue } from '../recipe/schema.ts';
import type { RawImage } from './types.ts';

/** A rectangle of the displayed image in whole pixels, inside its bounds. */
export interface PixelRect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A box a detector found, in displayed pixels, and how sure it is of it. */
export interface DetectedBox {
  box: PixelRect;
  /** The detector's confidence, 0 to 1. */
  score: number;
}

/** What one detector found in one image, and what identifies the detector and its settings. */
export interface RegionDetection {
  boxes: DetectedBox[];
  detector: DetectorAudit;
  durationMs: number;
}

/**
 * Finds rectangles to pixelate in an image: the detector behind a region source such as
 * 'faces' or 'text' (`src/detect/region-detectors.ts`). It is handed the decoded upright
 * working copy and returns boxes in displayed pixels. A detector that throws or runs out of
 * time makes the outputs that asked for it fail: they are never written unredacted.
 *
 * @example
 * const { boxes } = await facesDetector.detect(working, info.width, info.height);
 */
export interface RegionDetector {
  source: DetectionTarget;
  /**
   * @param image the upright working copy, possibly smaller than the displayed image
   * @param width the displayed width, the scale of the boxes returned
   */
  detect(image: RawImage, width: number, height: number): Promise<RegionDetection>;
}

/**
 * A region in displayed pixels, widened to whole pixels (a fractional edge is rounded
 * outwards, so that nothing meant to be hidden is left sharp) and clipped to the image.
 * Undefined when nothing of it is inside the image.
 *
 * @example
 * pixelRect({ left: 0.5, top: 0, width: 0.5, height: 0.25, unit: 'fraction' }, 1800, 1200);
 * // { left: 900, top: 0, width: 900, height: 300 }
 */
export function pixelRect(
  region: RegionValue,
  width: number,
  height: number,
): PixelRect | undefined {
  const scaleX = region.unit === 'fraction' ? width : 1;
  const scaleY = region.unit === 'fraction' ? height : 1;
  const left = Math.max(0, Math.floor(region.left * scaleX + 1e-9));
  const top = Math.max(0, Math.floor(region.top * scaleY + 1e-9));
  const right = Math.min(width, Math.ceil((region.left + region.width) * scaleX - 1e-9));
  const bottom = Math.min(height, Math.ceil((region.top + region.height) * scaleY - 1e-9));
  if (right <= left || bottom <= top) return undefined;
  return { left, top, width: right - left, height: bottom - top };
}

/** One detected box of a redacted output, in displayed pixels. */
export interface RedactedRegion {
  source: DetectionTarget;
  score: number;
  /** The box the detector found. */
  box: PixelRect;
  /** What was pixelated: the box grown by the margin, clipped to the image. */
  region: PixelRect;
}

/**
 * What the metadata record says about an output with detected regions pixelated: every box,
 * its score, the detectors with their models' checksums and thresholds, and how the boxes
 * were covered; enough to check or redo it.
 */
export interface RedactionAudit {
  sources: DetectionTarget[];
  regions: RedactedRegion[];
  detectors: DetectorAudit[];
  margins: Record<DetectionTarget, number>;
  blocksAcross: number;
  /** Size of the image the detectors searched (the decoded upright working copy). */
  searchedWidth: number;
  searchedHeight: number;
  detectMs: number;
}
