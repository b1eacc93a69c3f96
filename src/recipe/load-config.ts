import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { z } from 'zod';

import { ConfigurationError } from '../errors.ts';
import { outputBaseName } from './output-name.ts';
import { type PresetName, presetRecipes } from './presets.ts';
import { defaultRecipes, outputSpec, type Recipes, recipesOf } from './recipe.ts';
import { type ConfigValue, configSchema } from './schema.ts';

/** The file name pixelater looks for in the working directory and the Lambda bundle. */
export const configFileName = 'pixelater.config.json';

/** A recipe file that cannot be used, with every problem found in it, one per line. */
export class RecipeFileError extends ConfigurationError {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not a usable recipe file:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * Parses and checks the text of a recipe file, listing every problem at once, each with its
 * path in the file and what was expected:
 * `outputs[2].pixelate.grid: expected a whole number from 2 to 512, got 0`.
 *
 * @example
 * const recipes = parseConfig('{"outputs":[{"resize":{"width":320}}]}', 'pixelater.config.json');
 * @throws {RecipeFileError} naming the file and listing the problems.
 */
export function parseConfig(text: string, file: string): Recipes {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RecipeFileError(file, [`not valid JSON (${(error as Error).message})`]);
  }
  const parsed = configSchema.safeParse(json, { reportInput: true });
  if (!parsed.success) throw new RecipeFileError(file, parsed.error.issues.map(describeIssue));

  const problems = checkConfig(parsed.data);
  if (problems.length > 0) throw new RecipeFileError(file, problems);
  return recipesOf(parsed.data);
}

/** The recipes in use and the file they came from (none: the built-in default). */
export interface LoadedRecipes {
  recipes: Recipes;
  file?: string;
  /** The built-in preset they are, when one was named. */
  preset?: PresetName;
}

/**
 * The recipes for a run: a built-in preset when one is named (`--preset`, `PRESET`), else
 * the file named (`--config`, `PIXELATER_CONFIG`), or `pixelater.config.json` in `folder`, or
 * the built-in default recipe when there is none. Synchronous, so that a Lambda function can
 * refuse a bad file while it initialises.
 *
 * @example
 * const { recipes, file } = loadRecipes(options.config, process.cwd());
 * const { recipes: privacy } = loadRecipes(undefined, process.cwd(), 'privacy');
 * @throws {RecipeFileError} when the file is missing, unreadable or invalid.
 * @throws {ConfigurationError} when both a preset and a recipe file are named.
 */
export function loadRecipes(
  named: string | undefined,
  folder: string,
  preset?: PresetName,
): LoadedRecipes {
  if (preset !== undefined) {
    if (named) {
      throw new ConfigurationError(
        `both the preset '${preset}' and the recipe file ${named} were given; name only one`,
      );
    }
    return { recipes: presetRecipes(preset), preset };
  }
  const file = findConfigFile(named, folder);
  if (!file) return { recipes: defaultRecipes };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new RecipeFileError(file, [`cannot be read (${(error as NodeJS.ErrnoException).code})`]);
  }
  return { recipes: parseConfig(text, file), file };
}

/**
 * The recipe file to use: the one named (`--config`, `PIXELATER_CONFIG`), which must exist,
 * or `pixelater.config.json` in `folder` when there is one; undefined means the built-in
 * default recipe.
 *
 * @example
 * findConfigFile(undefined, process.cwd()); // '/home/ann/site/pixelater.config.json'
 */
export function findConfigFile(named: string | undefined, folder: string): string | undefined {
  if (named) return resolve(folder, named);
  const candidate = join(folder, configFileName);
  return existsSync(candidate) ? candidate : undefined;
}

/** Checks the schema cannot express: unique keys. */
function checkConfig(config: ConfigValue): string[] {
  const problems: string[] = [];
  const lists: Array<[string, ConfigValue['outputs']]> = [
    ['outputs', config.outputs],
    ...config.rules.map((rule, index): [string, ConfigValue['outputs']] => [
      `rules[${index}].outputs`,
      rule.outputs,
    ]),
  ];
  for (const [path, outputs] of lists) {
    const seen = new Map<string, number>();
    (outputs ?? []).forEach((value, index) => {
      const spec = outputSpec(value);
      // Two outputs with the same name and format would write the same key.
      const name = `${outputBaseName(spec)}.${spec.format}`;
      const first = seen.get(name);
      if (first !== undefined) {
        problems.push(
          `${path}[${index}]: same name and format as ${path}[${first}] ` +
            `('${outputBaseName(spec)}', ${spec.format}); give one of them a "name"`,
        );
      } else seen.set(name, index);
    });
  }
  return problems;
}

/** One zod issue as a line a user can act on: `path: what was expected, got what`. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const path = pathText(issue.path);
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${path ? `${path}.` : ''}${key}: unknown option`).join('\n  ');
  }
  const where = path || '(top level)';
  // Custom checks say what they found in their own words.
  if (!('input' in issue) || issue.code === 'custom') {
    return `${where}: ${issue.message}`;
  }
  const got = issue.input === undefined ? 'nothing' : shortJson(issue.input);
  return `${where}: ${issue.message}, got ${got}`;
}

function pathText(path: PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
