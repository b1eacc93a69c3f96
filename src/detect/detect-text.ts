import sharp from 'sharp';

import type { Region } from '../image/pixelate-regions.ts';
import type { RawImage } from '../image/types.ts';
import type { LoadedModel } from './load-model.ts';
import type { Detection, DetectorAudit } from './types.ts';

/** How text (signs, screens, licence plates) is searched for; every figure is audited. */
export interface TextSearch {
  /** The image is scaled so that its longer side is at most this, in multiples of 32. */
  maxSide: number;
  /** Probability above which a pixel of the map is text. */
  pixelThreshold: number;
  /** Lowest mean probability of a text box kept, 0 to 1. */
  minScore: number;
  /** How far each box is grown, as DBNet's unclip ratio (area x ratio / perimeter). */
  unclipRatio: number;
  /** Boxes with a side shorter than this many map pixels are dropped as noise. */
  minSide: number;
}

/** PaddleOCR's own detection defaults, with the image scaled to 1280 px. */
export const defaultTextSearch: TextSearch = {
  maxSide: 1280,
  pixelThreshold: 0.3,
  minScore: 0.6,
  unclipRatio: 1.5,
  minSide: 3,
};

export const textDetectorName = 'pp-ocrv4-det';

// LIMITATION: one pass at maxSide (1280 px) and axis-aligned boxes: text under about 10 px
// tall at that scale (screens, distant plates in a large photo) stays sharp, and a slanted
// line is covered by its whole bounding box.

// The model was trained on BGR images normalised with these ImageNet figures, in that order.
const mean = [0.485, 0.456, 0.406];
const deviation = [0.229, 0.224, 0.225];

/**
 * Finds lines of text in an upright image with the PP-OCRv4 detector (DBNet): one pass over
 * the image scaled to `maxSide`, a probability map thresholded into connected areas, each
 * area's bounding box scored by its mean probability and grown by the unclip ratio. Boxes
 * are axis-aligned, in pixels of `image`.
 *
 * @example
 * const model = await loadModel('models/pp-ocrv4-det.onnx');
 * const { detections } = await detectText(working, model, defaultTextSearch);
 */
export async function detectText(
  image: RawImage,
  model: LoadedModel,
  search: TextSearch = defaultTextSearch,
): Promise<{ detections: Detection[]; audit: DetectorAudit }> {
  const scale = Math.min(1, search.maxSide / Math.max(image.width, image.height));
  const width = Math.max(32, Math.round((image.width * scale) / 32) * 32);
  const height = Math.max(32, Math.round((image.height * scale) / 32) * 32);
  const { data } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .removeAlpha()
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });

  const { Tensor } = await import('onnxruntime-node');
  const input = new Tensor('float32', bgrTensor(data, width, height), [1, 3, height, width]);
  const outputs = await model.session.run({ [model.session.inputNames[0] ?? 'x']: input });
  const map = Object.values(outputs)[0]?.data as Float32Array;

  const toImage = { x: image.width / width, y: image.height / height };
  const detections = textAreas(map, width, height, search).map(({ box, score }): Detection => ({
    target: 'text',
    score,
    box: clip(
      {
        left: box.left * toImage.x,
        top: box.top * toImage.y,
        width: box.width * toImage.x,
        height: box.height * toImage.y,
      },
      image,
    ),
  }));
  return {
    detections,
    audit: {
      target: 'text',
      detector: textDetectorName,
      model: model.file,
      modelSha256: model.sha256,
      thresholds: {
        maxSide: search.maxSide,
        pixelThreshold: search.pixelThreshold,
        minScore: search.minScore,
        unclipRatio: search.unclipRatio,
        minSide: search.minSide,
      },
      tileWidths: [],
    },
  };
}

function bgrTensor(rgb: Buffer, width: number, height: number): Float32Array {
  const plane = width * height;
  const tensor = new Float32Array(plane * 3);
  for (let at = 0; at < plane; at++) {
    for (let channel = 0; channel < 3; channel++) {
      const value = (rgb[at * 3 + (2 - channel)] ?? 0) / 255;
      tensor[channel * plane + at] = (value - (mean[channel] ?? 0)) / (deviation[channel] ?? 1);
    }
  }
  return tensor;
}

/** Connected areas of the thresholded map (4-neighbour), as scored, grown boxes. */
function textAreas(map: Float32Array, width: number, height: number, search: TextSearch) {
  const label = new Int32Array(width * height);
  const stack: number[] = [];
  const areas: Array<{ box: Region; score: number }> = [];
  let next = 0;

  for (let start = 0; start < map.length; start++) {
    if (label[start] !== 0 || (map[start] ?? 0) <= search.pixelThreshold) continue;
    next++;
    label[start] = next;
    stack.push(start);
    let [left, top, right, bottom] = [width, height, 0, 0];
    while (stack.length > 0) {
      const at = stack.pop() ?? 0;
      const x = at % width;
      const y = (at - x) / width;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
      for (const neighbour of [
        x > 0 ? at - 1 : -1,
        x < width - 1 ? at + 1 : -1,
        y > 0 ? at - width : -1,
        y < height - 1 ? at + width : -1,
      ]) {
        if (neighbour < 0 || label[neighbour] !== 0) continue;
        if ((map[neighbour] ?? 0) <= search.pixelThreshold) continue;
        label[neighbour] = next;
        stack.push(neighbour);
      }
    }

    const boxWidth = right - left + 1;
    const boxHeight = bottom - top + 1;
    if (Math.min(boxWidth, boxHeight) < search.minSide) continue;
    const score = meanInBox(map, width, left, top, boxWidth, boxHeight);
    if (score < search.minScore) continue;
    const grow = (boxWidth * boxHeight * search.unclipRatio) / (2 * (boxWidth + boxHeight));
    areas.push({
      box: {
        left: left - grow,
        top: top - grow,
        width: boxWidth + 2 * grow,
        height: boxHeight + 2 * grow,
      },
      score,
    });
  }
  return areas;
}

function meanInBox(
  map: Float32Array,
  width: number,
  left: number,
  top: number,
  boxWidth: number,
  boxHeight: number,
): number {
  let sum = 0;
  for (let y = top; y < top + boxHeight; y++) {
    for (let x = left; x < left + boxWidth; x++) sum += map[y * width + x] ?? 0;
  }
  return sum / (boxWidth * boxHeight);
}

function clip(box: Region, image: RawImage): Region {
  const left = Math.max(0, box.left);
  const top = Math.max(0, box.top);
  return {
    left,
    top,
    width: Math.min(image.width, box.left + box.width) - left,
    height: Math.min(image.height, box.top + box.height) - top,
  };
}
