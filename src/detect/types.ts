import type { Region } from '../image/pixelate-regions.ts';

/** What a detector looks for. */
export const DetectionTarget = {
  faces: 'faces',
  text: 'text',
} as const;
export type DetectionTarget = (typeof DetectionTarget)[keyof typeof DetectionTarget];

/** One thing found, its box in pixels of the image that was searched. */
export interface Detection {
  target: DetectionTarget;
  box: Region;
  /** The detector's confidence, 0 to 1. */
  score: number;
}

/** Which model found the detections, and with what settings: enough to reproduce a run. */
export interface DetectorAudit {
  target: DetectionTarget;
  detector: string;
  /** File name of the model under models/. */
  model: string;
  /** SHA-256 of the model file, hex. */
  modelSha256: string;
  thresholds: Record<string, number>;
  /** Tile widths searched, in pixels of the searched image, besides one pass over all of it. */
  tileWidths: number[];
}
