import { planOutputs } from '../recipe/plan-outputs.ts';
import { loadRecipes } from '../recipe/load-config.ts';
import { recipeFor } from '../recipe/recipe.ts';

export interface PlanOptions {
  size: { width: number; height: number };
  config?: string;
  json: boolean;
}

/**
 * `pixelater plan <key> --size WxH`: the outputs an object with this key and displayed size
 * would get, with their keys, formats and sizes. Reads nothing but the recipe file and
 * writes nothing.
 */
export function runPlan(key: string, options: PlanOptions): number {
  const { recipes, file } = loadRecipes(options.config, process.cwd());
  const recipe = recipeFor(recipes, key);
  const plan = planOutputs(recipe, { key, ...options.size });
  const rows = plan.map((output) => ({
    key: output.key,
    format: output.format,
    width: output.width,
    height: output.height,
  }));
  if (options.json) {
    console.log(
      JSON.stringify({ recipe: recipe.name, file: file ?? null, outputs: rows }, null, 2),
    );
    return 0;
  }
  const from = file ? `from ${file}` : '(built in; no pixelater.config.json)';
  console.log(
    `${key} at ${options.size.width}x${options.size.height}: recipe '${recipe.name}' ${from}`,
  );
  const keyWidth = Math.max(...rows.map((row) => row.key.length));
  for (const row of rows) {
    console.log(
      `  ${row.key.padEnd(keyWidth)}  ${row.format.padEnd(4)}  ${row.width}x${row.height}`,
    );
  }
  return 0;
}
