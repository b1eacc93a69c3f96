import { defaultDetectionSettings, type DetectionSettings } from '../detect/region-detectors.ts';
import { ConfigurationError } from '../errors.ts';
import { defaultLimits, type Limits } from '../image/limits.ts';
import { defaultRecipes, type Recipes } from '../recipe/recipe.ts';

/** Everything the pipeline needs to know about where it runs. */
export interface PipelineSettings {
  destinationBucket: string;
  /** Prefix of every key written to the destination bucket; '' by default. */
  destinationPrefix: string;
  /** The recipes of `pixelater.config.json` (the built-in default without one). */
  recipes: Recipes;
  limits: Limits;
  /** Models, thresholds and time limit of the detectors behind 'faces' and 'text' regions. */
  detection: DetectionSettings;
}

export function pipelineSettings(
  settings: Pick<PipelineSettings, 'destinationBucket'> & Partial<PipelineSettings>,
): PipelineSettings {
  return {
    destinationPrefix: '',
    recipes: defaultRecipes,
    limits: defaultLimits,
    detection: defaultDetectionSettings,
    ...settings,
  };
}

/** What the user calls the settings `assertNoLoop` talks about, where they set them. */
export interface LoopSettingNames {
  destinationBucket: string;
  sourcePrefix: string;
  destinationPrefix: string;
}

/** The Lambda function's environment variables. */
export const environmentSettingNames: LoopSettingNames = {
  destinationBucket: 'DESTINATION_BUCKET',
  sourcePrefix: 'SOURCE_PREFIX',
  destinationPrefix: 'DESTINATION_PREFIX',
};

/**
 * Refuses settings under which outputs would trigger processing again: the same bucket
 * for sources and outputs with overlapping prefixes. The marker on every output stops a
 * loop at run time too; this refuses the set-up before the first event.
 *
 * @example
 * assertNoLoop('photos', '', pipelineSettings({ destinationBucket: 'photos' }));
 * // throws: "... Set DESTINATION_BUCKET to another bucket, or SOURCE_PREFIX and ..."
 * @throws {ConfigurationError} naming the setting to change.
 */
export function assertNoLoop(
  sourceBucket: string,
  sourcePrefix: string,
  settings: PipelineSettings,
  names: LoopSettingNames = environmentSettingNames,
): void {
  if (sourceBucket !== settings.destinationBucket) return;
  const { destinationPrefix } = settings;
  if (
    destinationPrefix === '' ||
    destinationPrefix.startsWith(sourcePrefix) ||
    sourcePrefix.startsWith(destinationPrefix)
  ) {
    throw new ConfigurationError(
      `outputs would be written where they trigger processing again: the source and destination ` +
        `bucket are both '${sourceBucket}' and the source prefix '${sourcePrefix}' overlaps the ` +
        `destination prefix '${destinationPrefix}'. Set ${names.destinationBucket} to another ` +
        `bucket, or ${names.sourcePrefix} and ${names.destinationPrefix} to prefixes that do ` +
        `not overlap.`,
    );
  }
}
