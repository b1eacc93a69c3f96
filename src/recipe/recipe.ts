import { createHash } from 'node:crypto';
import type { z } from 'zod';

import {
  type ConfigValue,
  configSchema,
  type formatNames,
  type OutputValue,
  type outputSchema,
} from './schema.ts';

type OutputOptions = z.output<typeof outputSchema>;

/** The options of a pixelated output, as the schema gives them (defaults filled in). */
export type PixelateOptions = NonNullable<OutputOptions['pixelate']>;
/** The options of a resized output, as the schema gives them (defaults filled in). */
export type ResizeOptions = NonNullable<OutputOptions['resize']>;
export type RegionOptions = NonNullable<PixelateOptions['regions']>;
export type PaletteOptions = NonNullable<PixelateOptions['palette']>;
export type FormatName = (typeof formatNames)[number];

/** How an output is encoded, with every default filled in. */
export interface Encoding {
  format: FormatName;
  quality: number;
  effort?: number;
  metadata: { iccProfile: boolean; copyright: boolean };
  /** The {name} part of its key, when the recipe gives one. */
  name?: string;
}

/** One output of a recipe: a pixelation or a resized copy, and how to encode it. */
export type OutputSpec =
  | ({ kind: 'pixelate'; pixelate: PixelateOptions } & Encoding)
  | ({ kind: 'resize'; resize: ResizeOptions } & Encoding);

/** What one upload produces: the outputs of the rule its key matched. */
export interface Recipe {
  /** The rule's name, or 'default'. */
  name: string;
  /** Colour that transparent pixels are flattened onto in formats without alpha (JPEG). */
  background: string;
  /** Template of every output key, relative to the destination prefix. */
  naming: string;
  outputs: OutputSpec[];
  /** What the metadata record says; both settings off when absent. */
  record?: RecordSettings;
}

export interface RecordSettings {
  /** Write the GPS latitude and longitude in the record, not only whether there is one. */
  includeGpsPosition: boolean;
  /** Put a summary of the record on every output as S3 user metadata (answered by a HEAD). */
  outputMetadata: boolean;
}

/** A validated `pixelater.config.json`: the rules in order, and the recipe when none match. */
export interface Recipes {
  rules: Array<{ prefixes: string[]; suffixes: string[]; recipe: Recipe }>;
  fallback: Recipe;
}

/** The moderation preview: strong enough to hide what a photo shows, small enough to list. */
const moderationPreview: OutputValue = {
  pixelate: { grid: 12, size: 'small', pixelsPerBlock: 16 },
  format: 'webp',
  quality: 70,
  name: 'moderation-preview',
};

/**
 * One output as the recipe file gives it, with presets expanded and defaults filled in.
 *
 * @example
 * outputSpec({ resize: { width: 320, fit: 'inside', position: 'centre', enlarge: false } });
 * // { kind: 'resize', resize: {...}, format: 'jpeg', quality: 80, metadata: {...} }
 */
export function outputSpec(value: OutputValue): OutputSpec {
  const given = value.preset === 'moderation-preview' ? { ...moderationPreview, ...value } : value;
  const format = given.format ?? (given.preset ? 'webp' : 'jpeg');
  const encoding: Encoding = {
    format,
    quality: given.quality ?? (format === 'avif' ? 50 : 80),
    metadata: {
      iccProfile: given.metadata?.iccProfile ?? false,
      copyright: given.metadata?.copyright ?? false,
    },
  };
  if (given.effort !== undefined) encoding.effort = given.effort;
  if (given.name !== undefined) encoding.name = given.name;
  if (given.resize) return { kind: 'resize', resize: given.resize, ...encoding };
  return { kind: 'pixelate', pixelate: given.pixelate as PixelateOptions, ...encoding };
}

export const classicGrids = [8, 16, 32, 48, 64] as const;
export const defaultWidths = [320, 640, 1280, 1920] as const;

/**
 * The recipe used when none is configured: five full-size pixelations at the classic grids,
 * and four widths in JPEG and WebP.
 */
export const defaultConfig: ConfigValue = configSchema.parse({
  outputs: [
    ...classicGrids.map((grid) => ({ pixelate: { grid }, format: 'jpeg', quality: 80 })),
    ...defaultWidths.flatMap((width) => [
      { resize: { width }, format: 'jpeg', quality: 80 },
      { resize: { width }, format: 'webp', quality: 80 },
    ]),
  ],
});

/**
 * The recipes of a validated configuration, ready to be looked up by key.
 *
 * @example
 * const recipes = recipesOf(configSchema.parse(JSON.parse(text)));
 * recipeFor(recipes, 'avatars/ann.jpg').name; // 'avatars'
 */
export function recipesOf(config: ConfigValue): Recipes {
  const recipe = (name: string, outputs: OutputValue[], background?: string): Recipe => ({
    name,
    background: background ?? config.background,
    naming: config.naming,
    outputs: outputs.map(outputSpec),
    ...(config.record ? { record: config.record } : {}),
  });
  const list = (part: string | string[] | undefined) =>
    part === undefined ? [] : Array.isArray(part) ? part : [part];
  return {
    rules: config.rules.map((rule) => ({
      prefixes: list(rule.match.prefix),
      suffixes: list(rule.match.suffix).map((suffix) => suffix.toLowerCase()),
      recipe: recipe(rule.name, rule.outputs, rule.background),
    })),
    fallback: recipe('default', config.outputs ?? defaultConfig.outputs ?? []),
  };
}

/**
 * A recipe from outputs written as in the recipe file, every default filled in.
 *
 * @example
 * recipeFromOutputs('thumbs', [{ resize: { width: 320 }, format: 'webp' }]);
 */
export function recipeFromOutputs(name: string, outputs: z.input<typeof outputSchema>[]): Recipe {
  return { ...recipesOf(configSchema.parse({ outputs })).fallback, name };
}

/** Recipes with no rules: `recipe` for every key. */
export function onlyRecipe(recipe: Recipe): Recipes {
  return { rules: [], fallback: recipe };
}

export const defaultRecipes: Recipes = recipesOf(defaultConfig);
export const defaultRecipe: Recipe = defaultRecipes.fallback;

/**
 * The recipe for a source key: the first rule whose prefix and suffix both match (a rule
 * without one matches any key on that side), or the fallback. Suffixes ignore case.
 *
 * @example
 * recipeFor(recipes, 'products/shoe.JPG'); // the first rule with prefix 'products/'
 */
export function recipeFor(recipes: Recipes, key: string): Recipe {
  const lowerKey = key.toLowerCase();
  for (const rule of recipes.rules) {
    const prefixMatches =
      rule.prefixes.length === 0 || rule.prefixes.some((prefix) => key.startsWith(prefix));
    const suffixMatches =
      rule.suffixes.length === 0 || rule.suffixes.some((suffix) => lowerKey.endsWith(suffix));
    if (prefixMatches && suffixMatches) return rule.recipe;
  }
  return recipes.fallback;
}

/** A short, stable fingerprint of everything in a recipe that changes its outputs. */
export function recipeHash(recipe: Recipe): string {
  return createHash('sha256').update(JSON.stringify(recipe)).digest('hex').slice(0, 16);
}
