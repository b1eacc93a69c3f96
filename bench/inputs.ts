import { fileURLToPath } from 'node:url';

const images = fileURLToPath(new URL('../../shared/fixtures/images/', import.meta.url));

/** The real photos the benchmark runs on, from the shared fixtures beside the repository. */
export const benchInputs = [
  { label: '0.8 MP JPEG', file: `${images}Android_Depth_Map.jpg`, repeats: 7 },
  { label: '2.2 MP JPEG', file: `${images}Landscape_6.jpg`, repeats: 5 },
  { label: '13 MP JPEG', file: `${images}Oppo_R7_Plus_13MP_gps.jpg`, repeats: 3 },
  { label: '22 MP JPEG', file: `${images}Canon_5DMkIII_22MP.jpg`, repeats: 3 },
  { label: '24 MP WebP', file: `${images}bryce_panorama_24MP.webp`, repeats: 3 },
  { label: '3.1 MP PNG alpha', file: `${images}rgba_blackbug.png`, repeats: 5 },
  { label: 'animated GIF', file: `${images}animated_rotating_squares.gif`, repeats: 7 },
  { label: '12 MP HEIC', file: `${images}iPhone11Pro_IMG_2929.HEIC`, repeats: 3 },
] as const;

/** The batch for throughput: at least 50 real photos of everyday sizes. */
export const batchFiles = Array.from(
  { length: 54 },
  (_, index) => `${images}Landscape_${index % 9}.jpg`,
);
