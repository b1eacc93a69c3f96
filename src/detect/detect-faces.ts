import sharp from 'sharp';

import type { RawImage } from '../image/types.ts';
import type { LoadedModel } from './load-model.ts';
import { planTiles, type Tile, type Tiling } from './plan-tiles.ts';
import { suppressOverlaps } from './suppress-overlaps.ts';
import type { Detection, DetectorAudit } from './types.ts';

/** The UltraFace RFB-320 model's fixed input: one RGB image, 320 x 240, channels first. */
const inputWidth = 320;
const inputHeight = 240;

/** How faces are searched for; every figure is recorded in the audit. */
export interface FaceSearch {
  /** Lowest score kept, 0 to 1. Lower finds more faces and more false ones (foliage). */
  minScore: number;
  /** Intersection over union above which two boxes are one face. */
  maxOverlap: number;
  /** Share of a box inside a better one above which it is a piece of that face. */
  maxContainment: number;
  tiling: Tiling;
}

/**
 * Measured on the faces fixtures and on 12 MP group photos: every counted face found, none on
 * the photo without a face. See the README's privacy section for how to tune them.
 */
export const defaultFaceSearch: FaceSearch = {
  minScore: 0.7,
  maxOverlap: 0.3,
  maxContainment: 0.7,
  tiling: { tileWidths: [1600, 800], overlap: 0.25 },
};

export const faceDetectorName = 'ultraface-rfb-320';

// LIMITATION: UltraFace is trained on frontal and near-frontal faces; profiles, faces under
// about 50 px (with the default tiles), covered or upside-down faces can score below
// minScore and stay sharp, and foliage or hands can score above it and be pixelated.

/**
 * Finds faces in an upright image: the whole image in one pass, then overlapping tiles at
 * each tile width so that small faces are large enough for the model, then overlaps merged.
 * Boxes are in pixels of `image`.
 *
 * @example
 * const model = await loadModel('models/ultraface-rfb-320.onnx');
 * const { detections } = await detectFaces(working, model, defaultFaceSearch);
 */
export async function detectFaces(
  image: RawImage,
  model: LoadedModel,
  search: FaceSearch = defaultFaceSearch,
): Promise<{ detections: Detection[]; audit: DetectorAudit }> {
  const tiles = planTiles(image.width, image.height, inputWidth, inputHeight, search.tiling);
  const found: Detection[] = [];

  for (const [scale, group] of groupByScale(tiles)) {
    const scaled = await scaleImage(image, scale);
    for (const tile of group) {
      found.push(...(await detectInTile(scaled, tile, image, model, search.minScore)));
    }
  }

  return {
    detections: suppressOverlaps(found, search),
    audit: {
      target: 'faces',
      detector: faceDetectorName,
      model: model.file,
      modelSha256: model.sha256,
      thresholds: {
        minScore: search.minScore,
        maxOverlap: search.maxOverlap,
        maxContainment: search.maxContainment,
        tileOverlap: search.tiling.overlap,
      },
      tileWidths: search.tiling.tileWidths,
    },
  };
}

function groupByScale(tiles: Tile[]): Map<number, Tile[]> {
  const groups = new Map<number, Tile[]>();
  for (const tile of tiles) groups.set(tile.scale, [...(groups.get(tile.scale) ?? []), tile]);
  return groups;
}

async function scaleImage(image: RawImage, scale: number): Promise<RawImage> {
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .removeAlpha()
    .resize(width, height, { fit: 'fill' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: 3 };
}

async function detectInTile(
  scaled: RawImage,
  tile: Tile,
  image: RawImage,
  model: LoadedModel,
  minScore: number,
): Promise<Detection[]> {
  const { Tensor } = await import('onnxruntime-node');
  const input = new Tensor('float32', tileTensor(scaled, tile), [1, 3, inputHeight, inputWidth]);
  const outputs = await model.session.run({ input });
  const scores = outputs.scores?.data as Float32Array;
  const boxes = outputs.boxes?.data as Float32Array;

  const detections: Detection[] = [];
  for (let anchor = 0; anchor < scores.length / 2; anchor++) {
    const score = scores[anchor * 2 + 1] ?? 0;
    if (score < minScore) continue;
    const detection = toImageBox(boxes, anchor, tile, scaled, image);
    if (detection) detections.push({ target: 'faces', box: detection, score });
  }
  return detections;
}

/** Pixels of one tile as the model wants them: (value - 127) / 128, RGB planes; outside the
 * image the tile is padded with 0, a neutral grey. */
function tileTensor(scaled: RawImage, tile: Tile): Float32Array {
  const plane = inputWidth * inputHeight;
  const tensor = new Float32Array(plane * 3);
  const rows = Math.min(inputHeight, scaled.height - tile.top);
  const columns = Math.min(inputWidth, scaled.width - tile.left);
  for (let y = 0; y < rows; y++) {
    let offset = ((tile.top + y) * scaled.width + tile.left) * 3;
    for (let x = 0; x < columns; x++, offset += 3) {
      const at = y * inputWidth + x;
      tensor[at] = ((scaled.data[offset] ?? 0) - 127) / 128;
      tensor[plane + at] = ((scaled.data[offset + 1] ?? 0) - 127) / 128;
      tensor[2 * plane + at] = ((scaled.data[offset + 2] ?? 0) - 127) / 128;
    }
  }
  return tensor;
}

/** The model's box (corners, 0 to 1 of the input) in pixels of the searched image; none when
 * its centre lies in the padding. */
function toImageBox(
  boxes: Float32Array,
  anchor: number,
  tile: Tile,
  scaled: RawImage,
  image: RawImage,
) {
  const corner = (index: number, size: number, offset: number) =>
    ((boxes[anchor * 4 + index] ?? 0) * size + offset) / tile.scale;
  const left = corner(0, inputWidth, tile.left);
  const top = corner(1, inputHeight, tile.top);
  const right = corner(2, inputWidth, tile.left);
  const bottom = corner(3, inputHeight, tile.top);
  const centreX = (left + right) / 2;
  const centreY = (top + bottom) / 2;
  if (centreX >= scaled.width / tile.scale || centreY >= scaled.height / tile.scale) return;

  const clippedLeft = Math.max(0, left);
  const clippedTop = Math.max(0, top);
  const width = Math.min(image.width, right) - clippedLeft;
  const height = Math.min(image.height, bottom) - clippedTop;
  if (width <= 0 || height <= 0) return;
  return { left: clippedLeft, top: clippedTop, width, height };
}
