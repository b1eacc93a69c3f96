/**
 * How fast hostile files are refused, and how much memory the largest valid images take.
 * Prints figures; asserts nothing. Run with `npm run bench:formats`.
 *
 * Each memory figure comes from a fresh process (peak resident set size, from
 * process.resourceUsage), so that one image's buffers do not inflate the next.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { RejectionError } from '../src/errors.ts';
import { defaultLimits } from '../src/image/limits.ts';
import { renderImage } from '../src/image/render.ts';
import { defaultRecipe } from '../src/recipe/recipe.ts';

const shared = fileURLToPath(new URL('../../shared/', import.meta.url));
const images = `${shared}fixtures/images/`;

const hostile = [
  ...readdirSync(images)
    .filter((name) => name.startsWith('limit_'))
    .map((name) => `${images}${name}`),
  `${shared}cases/09-decompression-bomb/bomb-20000x20000-1bit.png`,
];

async function timeToRefuse(path: string): Promise<void> {
  const bytes = readFileSync(path);
  const times: number[] = [];
  let check = 'processed';
  for (let run = 0; run < 5; run++) {
    const started = performance.now();
    try {
      await renderImage(path, bytes, defaultRecipe, defaultLimits);
    } catch (error) {
      if (!(error instanceof RejectionError)) throw error;
      check = error.check;
    }
    times.push(performance.now() - started);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const name = path.slice(path.lastIndexOf('/') + 1);
  console.log(
    `refuse  ${name}  ${bytes.length} bytes  ${check}  first ${times[0]?.toFixed(1)} ms, ` +
      `median ${sorted[2]?.toFixed(1)} ms`,
  );
}

function peakMemory(name: string): void {
  const script =
    `import { readFileSync } from 'node:fs';` +
    `import { renderImage } from './src/image/render.ts';` +
    `import { defaultLimits } from './src/image/limits.ts';` +
    `import { defaultRecipe } from './src/recipe/recipe.ts';` +
    `const started = performance.now();` +
    `const { outputs } = await renderImage('${name}', readFileSync('${images}${name}'), ` +
    `defaultRecipe, defaultLimits);` +
    `console.log(outputs.length, Math.round(performance.now() - started), ` +
    `Math.round(process.resourceUsage().maxRSS / 1024));`;
  const [outputs, ms, megabytes] = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' },
  )
    .trim()
    .split('\n')
    .at(-1)!
    .split(' ');
  console.log(`memory  ${name}  ${outputs} outputs in ${ms} ms, peak RSS ${megabytes} MB`);
}

for (const path of hostile) await timeToRefuse(path);
for (const name of [
  'bryce_panorama_24MP.webp',
  'Canon_5DMkIII_22MP.jpg',
  'iPhone11Pro_IMG_2929.HEIC',
  'animated_lossy_101f.webp',
]) {
  peakMemory(name);
}
