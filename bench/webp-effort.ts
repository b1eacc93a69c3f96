import { readFile } from 'node:fs/promises';

import { defaultLimits } from '../src/image/limits.ts';
import { renderImage } from '../src/image/render.ts';
import { defaultRecipe, onlyRecipe, type Recipe } from '../src/recipe/recipe.ts';
import { pixelaterInMemory } from './pixelater-path.ts';
import { timeOnce } from './timing.ts';

/** The default recipe with every WebP output at `effort`. */
function withWebpEffort(effort: number): Recipe {
  const outputs = defaultRecipe.outputs.map((spec) =>
    spec.format === 'webp' ? { ...spec, effort } : spec,
  );
  return { ...defaultRecipe, outputs };
}

/**
 * The WebP copies are the largest single cost of the default recipe at libwebp's default
 * effort 4. What a lower effort saves, and what it costs in bytes: CPU per image through the handler, round by round against the default,
 * and the WebP outputs' total size.
 */
export async function measureWebpEffort(file: string, rounds: number) {
  const bytes = await readFile(file);
  const efforts = [4, 2, 0];
  const runs = efforts.map((effort) => pixelaterInMemory(onlyRecipe(withWebpEffort(effort))));
  const cpu: number[][] = efforts.map(() => []);
  for (const run of runs) await timeOnce(run, bytes); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const [index, run] of runs.entries()) cpu[index]!.push((await timeOnce(run, bytes)).cpuMs);
  }
  const rows = [];
  for (const [index, effort] of efforts.entries()) {
    const { outputs } = await renderImage(file, bytes, withWebpEffort(effort), defaultLimits);
    const webpBytes = outputs
      .filter((output) => output.format === 'webp')
      .reduce((sum, output) => sum + output.data.length, 0);
    const ratios = cpu[index]!.map((value, round) => value / cpu[0]![round]!).sort((a, b) => a - b);
    rows.push({
      effort,
      'cpu ms per image': Math.round([...cpu[index]!].sort((a, b) => a - b)[rounds >> 1]!),
      'cpu vs effort 4': ratios[rounds >> 1]!.toFixed(2),
      'webp bytes': webpBytes,
    });
  }
  return rows;
}
