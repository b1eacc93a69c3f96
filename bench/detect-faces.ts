/**
 * Detection cost: face search time per megapixel and the memory it adds, on real photos and
 * on a 12 MP collage of the faces fixtures at several sizes (so that recall on small faces is
 * measured too), and one text search per photo. Run with `npm run bench:detect`; prints one
 * JSON report.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

import { defaultFaceSearch, detectFaces, type FaceSearch } from '../src/detect/detect-faces.ts';
import { detectText } from '../src/detect/detect-text.ts';
import { defaultDetectionSettings } from '../src/detect/region-detectors.ts';
import { loadModel } from '../src/detect/load-model.ts';
import { decodeUpright } from '../src/image/decode.ts';
import { defaultLimits } from '../src/image/limits.ts';
import type { RawImage } from '../src/image/types.ts';

const shared = new URL('../../shared/fixtures/', import.meta.url).pathname;
const photos = [
  'images/Apple_iPhone_5.jpg',
  'images/Oppo_R7_Plus_13MP_gps.jpg',
  'images/Canon_5DMkIII_22MP.jpg',
];

/** Faces fixtures pasted onto a 4032 x 3024 canvas at `scale`, with the faces they hold. */
const collage: Array<{ file: string; faces: number; scale: number; left: number; top: number }> = [
  { file: 'group_6faces.jpg', faces: 6, scale: 1, left: 100, top: 100 },
  { file: 'group_7faces_a.jpg', faces: 7, scale: 1, left: 700, top: 100 },
  { file: 'three_3faces.jpg', faces: 3, scale: 0.6, left: 1300, top: 100 },
  { file: 'group_7faces_a.jpg', faces: 7, scale: 2, left: 1700, top: 100 },
  { file: 'group_6faces.jpg', faces: 6, scale: 3, left: 100, top: 1000 },
  { file: 'two_people_2faces.jpg', faces: 2, scale: 1.5, left: 1700, top: 1000 },
  { file: 'three_3faces.jpg', faces: 3, scale: 2, left: 3000, top: 2000 },
];

const megabytes = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function decode(path: string): Promise<RawImage> {
  return decodeUpright(path, await readFile(path), 100_000, defaultLimits);
}

async function makeCollage(): Promise<{ image: RawImage; faces: number }> {
  const layers = await Promise.all(
    collage.map(async (piece) => {
      const { width = 0 } = await sharp(`${shared}faces/${piece.file}`).metadata();
      const input = await sharp(`${shared}faces/${piece.file}`)
        .resize({ width: Math.round(width * piece.scale) })
        .toBuffer();
      return { input, left: piece.left, top: piece.top };
    }),
  );
  const { data, info } = await sharp({
    create: { width: 4032, height: 3024, channels: 3, background: '#6b7a5a' },
  })
    .composite(layers)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    image: { data, width: info.width, height: info.height, channels: 3 },
    faces: collage.reduce((sum, piece) => sum + piece.faces, 0),
  };
}

async function time(image: RawImage, search: FaceSearch, runs = 3) {
  const model = await loadModel(defaultDetectionSettings.faceModelPath);
  const durations: number[] = [];
  let found = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    found = (await detectFaces(image, model, search)).detections.length;
    durations.push(performance.now() - started);
  }
  const median = durations.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? 0;
  const megapixels = (image.width * image.height) / 1e6;
  return {
    size: `${image.width}x${image.height}`,
    megapixels: Number(megapixels.toFixed(1)),
    found,
    medianMs: Math.round(median),
    msPerMegapixel: Math.round(median / megapixels),
  };
}

const before = process.memoryUsage().rss;
const first = await decode(`${shared}${photos[0]}`);
const decoded = process.memoryUsage().rss;
const model = await loadModel(defaultDetectionSettings.faceModelPath);
const loaded = process.memoryUsage().rss;
await detectFaces(first, model);
const detected = process.memoryUsage().rss;

const report: Record<string, unknown> = {
  cores: (await import('node:os')).cpus().length,
  defaults: defaultFaceSearch,
  memoryMB: {
    decodedPhoto: megabytes(decoded - before),
    addedByModel: megabytes(loaded - decoded),
    addedByFirstDetection: megabytes(detected - loaded),
  },
  photos: [] as unknown[],
};
for (const photo of photos) {
  (report.photos as unknown[]).push({
    photo,
    ...(await time(await decode(`${shared}${photo}`), defaultFaceSearch)),
  });
}
const textModel = await loadModel(defaultDetectionSettings.textModelPath);
const textRss = process.memoryUsage().rss;
report.text = [] as unknown[];
for (const photo of photos) {
  const image = await decode(`${shared}${photo}`);
  const started = performance.now();
  const { detections } = await detectText(image, textModel);
  (report.text as unknown[]).push({
    photo,
    found: detections.length,
    ms: Math.round(performance.now() - started),
  });
}
(report.memoryMB as Record<string, number>).addedByTextModelAndFirstSearch = megabytes(
  process.memoryUsage().rss - textRss,
);
const { image, faces } = await makeCollage();
report.collage12MP = {
  faces,
  tiled: await time(image, defaultFaceSearch),
  wholeImageOnly: await time(image, {
    ...defaultFaceSearch,
    tiling: { tileWidths: [], overlap: 0.25 },
  }),
};
report.peakRssMB = megabytes(process.resourceUsage().maxRSS * 1024);
console.log(JSON.stringify(report, null, 2));
