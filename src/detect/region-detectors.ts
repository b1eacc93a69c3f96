import { fileURLToPath } from 'node:url';

import type { Region } from '../image/pixelate-regions.ts';
import type { RegionDetection, RegionDetector } from '../image/regions.ts';
import type { RawImage } from '../image/types.ts';
import { defaultFaceSearch, detectFaces, type FaceSearch } from './detect-faces.ts';
import { defaultTextSearch, detectText, type TextSearch } from './detect-text.ts';
import { loadModel } from './load-model.ts';

/** Where the models are and how long detection may take; part of the pipeline's settings. */
export interface DetectionSettings {
  /** Path of the UltraFace RFB-320 ONNX file; default the copy under models/. */
  faceModelPath: string;
  faceSearch: FaceSearch;
  /** Path of the PP-OCRv4 text detection ONNX file; default the copy under models/. */
  textModelPath: string;
  textSearch: TextSearch;
  /** Longest one detector may take over one image before its outputs fail; default 30 s. */
  timeoutMs: number;
}

export const defaultDetectionSettings: DetectionSettings = {
  faceModelPath: fileURLToPath(new URL('../../models/ultraface-rfb-320.onnx', import.meta.url)),
  faceSearch: defaultFaceSearch,
  textModelPath: fileURLToPath(new URL('../../models/pp-ocrv4-det.onnx', import.meta.url)),
  textSearch: defaultTextSearch,
  timeoutMs: 30_000,
};

/**
 * The detectors behind the region sources 'faces' and 'text', as `settings` describe them,
 * for `renderImage`'s context. Models are loaded on first use and kept for the life of the
 * process. Any failure, including running past `timeoutMs`, is thrown: the renderer then
 * writes none of the outputs that asked for the detector.
 *
 * @example
 * const detectors = regionDetectors(defaultDetectionSettings);
 * await renderImage(key, bytes, recipe, limits, { detectors });
 */
export function regionDetectors(settings: DetectionSettings): RegionDetector[] {
  const detector = (
    source: RegionDetector['source'],
    what: string,
    find: (image: RawImage) => ReturnType<typeof detectFaces>,
  ): RegionDetector => ({
    source,
    detect: (image, width, height) =>
      withTimeout(
        search(image, width, height, () => find(image)),
        settings.timeoutMs,
        what,
      ),
  });
  return [
    detector('faces', 'face detection', async (image) =>
      detectFaces(image, await loadModel(settings.faceModelPath), settings.faceSearch),
    ),
    detector('text', 'text detection', async (image) =>
      detectText(image, await loadModel(settings.textModelPath), settings.textSearch),
    ),
  ];
}

async function search(
  image: RawImage,
  width: number,
  height: number,
  detect: () => ReturnType<typeof detectFaces>,
): Promise<RegionDetection> {
  const started = performance.now();
  const { detections, audit } = await detect();
  // Boxes are found on the working copy; the recipe's regions are in displayed pixels.
  const scaleX = width / image.width;
  const scaleY = height / image.height;
  return {
    boxes: detections.map((detection) => ({
      box: outward(detection.box, scaleX, scaleY, width, height),
      score: Number(detection.score.toFixed(4)),
    })),
    detector: audit,
    durationMs: Math.round(performance.now() - started),
  };
}

/** `box` scaled, in whole pixels rounded outwards so that nothing it covered is lost. */
function outward(box: Region, scaleX: number, scaleY: number, width: number, height: number) {
  const left = Math.max(0, Math.floor(box.left * scaleX));
  const top = Math.max(0, Math.floor(box.top * scaleY));
  const right = Math.min(width, Math.ceil((box.left + box.width) * scaleX));
  const bottom = Math.min(height, Math.ceil((box.top + box.height) * scaleY));
  return { left, top, width: Math.max(0, right - left), height: Math.max(0, bottom - top) };
}

// LIMITATION: onnxruntime cannot cancel a run in progress; on timeout the result is
// abandoned, not stopped, so a hung inference keeps its thread until it returns.
function withTimeout<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${timeoutMs} ms (timeoutMs)`)),
      timeoutMs,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
