import { defaultConfig, type Recipes, recipesOf } from './recipe.ts';
import { type ConfigInput, type ConfigValue, configSchema } from './schema.ts';

/**
 * The face-pixelated copy: the image at its displayed size, each face found grown by a quarter
 * of its size on every side and covered by 8 blocks across, everything else left sharp. A
 * photo without a face is written sharp ('leave'), not pixelated whole.
 */
const pixelatedFaces = {
  pixelate: { regions: { sources: ['faces'], whenNoneFound: 'leave' } },
  format: 'jpeg',
  quality: 85,
  name: 'pixelated-faces',
} as const satisfies NonNullable<ConfigInput['outputs']>[number];

/** The same with every line of text found (signs, screens, licence plates) covered too. */
const pixelatedFacesAndText = {
  ...pixelatedFaces,
  pixelate: { regions: { sources: ['faces', 'text'], whenNoneFound: 'leave' } },
  name: 'pixelated-faces-text',
} as const satisfies NonNullable<ConfigInput['outputs']>[number];

/**
 * Built-in recipe files that can be chosen by name instead of writing one: `--preset privacy`
 * (CLI and local stack) or `PRESET=privacy` (Lambda). Each is an ordinary recipe
 * configuration, checked by the same schema as `pixelater.config.json`.
 */
export const presetConfigs = {
  default: defaultConfig,
  privacy: configSchema.parse({ outputs: [...(defaultConfig.outputs ?? []), pixelatedFaces] }),
  'privacy-text': configSchema.parse({
    outputs: [...(defaultConfig.outputs ?? []), pixelatedFacesAndText],
  }),
} as const satisfies Record<string, ConfigValue>;

export type PresetName = keyof typeof presetConfigs;
export const presetNames = Object.keys(presetConfigs) as [PresetName, ...PresetName[]];

/**
 * The recipes of a preset; its name is the recipe name in every metadata record.
 *
 * @example
 * recipeFor(presetRecipes('privacy'), 'party.jpg').outputs.length; // 14
 */
export function presetRecipes(name: PresetName): Recipes {
  const recipes = recipesOf(presetConfigs[name]);
  return { ...recipes, fallback: { ...recipes.fallback, name } };
}
