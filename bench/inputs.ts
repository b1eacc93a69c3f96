import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const images = fileURLToPath(new URL('../../shared/fixtures/images/', import.meta.url));

/**
 * A 24 MP camera-shaped JPEG (6000x4000, quality 90, EXIF kept): the shared fixtures have no
 * JPEG that large, so it is made once from the 22 MP Canon photo, enlarged by 4 %, and kept
 * in the system's temporary folder.
 */
export async function twentyFourMegapixelJpeg(): Promise<string> {
  const path = `${tmpdir()}/pixelater-bench/photo-6000x4000-from-canon-5d.jpg`;
  if (existsSync(path)) return path;
  await mkdir(`${tmpdir()}/pixelater-bench`, { recursive: true });
  const bytes = await sharp(`${images}Canon_5DMkIII_22MP.jpg`)
    .resize(6000, 4000, { fit: 'fill' })
    .keepExif()
    .jpeg({ quality: 90 })
    .toBuffer();
  await writeFile(path, bytes);
  return path;
}

/**
 * A 4 MP product cut-out (2448x1632 RGBA PNG: a photo inside an elliptical mask with a soft
 * edge, transparent around it), made once from the 22 MP photo, since the largest RGBA PNG
 * among the fixtures is 3.1 MP and mostly empty.
 */
export async function fourMegapixelCutOutPng(): Promise<string> {
  const path = `${tmpdir()}/pixelater-bench/cut-out-2448x1632.png`;
  if (existsSync(path)) return path;
  await mkdir(`${tmpdir()}/pixelater-bench`, { recursive: true });
  const [width, height] = [2448, 1632];
  const mask = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
      `<defs><filter id="soft"><feGaussianBlur stdDeviation="12"/></filter></defs>` +
      `<ellipse cx="${width / 2}" cy="${height / 2}" rx="${width * 0.42}" ry="${height * 0.4}" ` +
      `fill="#fff" filter="url(#soft)"/></svg>`,
  );
  const bytes = await sharp(`${images}Canon_5DMkIII_22MP.jpg`)
    .resize(width, height, { fit: 'fill' })
    .ensureAlpha()
    .composite([{ input: mask, blend: 'dest-in' }])
    .png()
    .toBuffer();
  await writeFile(path, bytes);
  return path;
}

/** The real photos the benchmark runs on, and how many interleaved rounds each gets. */
export async function benchInputs() {
  return [
    { label: '0.8 MP JPEG', file: `${images}Android_Depth_Map.jpg`, rounds: 15 },
    { label: '2.2 MP JPEG', file: `${images}Landscape_6.jpg`, rounds: 15 },
    { label: '13 MP JPEG', file: `${images}Oppo_R7_Plus_13MP_gps.jpg`, rounds: 9 },
    { label: '22 MP JPEG', file: `${images}Canon_5DMkIII_22MP.jpg`, rounds: 9 },
    { label: '24 MP JPEG', file: await twentyFourMegapixelJpeg(), rounds: 9 },
    { label: '24 MP WebP', file: `${images}bryce_panorama_24MP.webp`, rounds: 5 },
    { label: '3.1 MP PNG alpha', file: `${images}rgba_blackbug.png`, rounds: 11 },
    { label: '4 MP PNG cut-out', file: await fourMegapixelCutOutPng(), rounds: 9 },
    { label: 'animated GIF', file: `${images}animated_rotating_squares.gif`, rounds: 31 },
    { label: '12 MP HEIC', file: `${images}iPhone11Pro_IMG_2929.HEIC`, rounds: 3 },
  ];
}

/** The batch for throughput: at least 50 real photos of everyday sizes. */
export const batchFiles = Array.from(
  { length: 54 },
  (_, index) => `${images}Landscape_${index % 9}.jpg`,
);
