import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { RejectionError } from '../src/errors.ts';
import { defaultLimits } from '../src/image/limits.ts';
import { renderImage } from '../src/image/render.ts';
import { defaultRecipe } from '../src/recipe/recipe.ts';

const images = fileURLToPath(new URL('../../shared/fixtures/images/', import.meta.url));

/** How long pixelater takes to refuse each file built to hit a limit, and which check did. */
export async function measureRefusals() {
  const names = (await readdir(images)).filter((name) => /^(limit_|extreme_)/.test(name)).sort();
  const rows = [];
  for (const name of names) {
    const bytes = await readFile(`${images}${name}`);
    const started = performance.now();
    let outcome = 'processed';
    try {
      await renderImage(name, bytes, defaultRecipe, defaultLimits);
    } catch (error) {
      outcome =
        error instanceof RejectionError ? `rejected: ${error.check}` : `error: ${String(error)}`;
    }
    rows.push({
      file: name,
      bytes: bytes.length,
      ms: Number((performance.now() - started).toFixed(1)),
      outcome,
    });
  }
  return rows;
}
