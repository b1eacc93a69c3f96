import { z } from 'zod';

import { defaultDetectionSettings } from '../detect/region-detectors.ts';
import { ConfigurationError } from '../errors.ts';
import { defaultLimits } from '../image/limits.ts';
import { loadRecipes } from '../recipe/load-config.ts';
import { presetNames } from '../recipe/presets.ts';
import { assertNoLoop, type PipelineSettings, pipelineSettings } from '../pipeline/settings.ts';

const environment = z.object({
  DESTINATION_BUCKET: z.string().min(1, 'the bucket outputs are written to'),
  DESTINATION_PREFIX: z.string().default(''),
  SOURCE_BUCKET: z.string().optional(),
  SOURCE_PREFIX: z.string().default(''),
  MAX_INPUT_BYTES: z.coerce.number().int().positive().default(defaultLimits.maxInputBytes),
  MAX_PIXELS: z.coerce.number().int().positive().default(defaultLimits.maxPixels),
  MAX_ANIMATION_PIXELS: z.coerce
    .number()
    .int()
    .positive()
    .default(defaultLimits.maxAnimationPixels),
  MAX_SECONDS: z.coerce.number().int().positive().default(defaultLimits.maxSeconds),
  ALLOW_SVG: z
    .enum(['true', 'false'])
    .default(defaultLimits.allowSvg ? 'true' : 'false')
    .transform((value) => value === 'true'),
  PIXELATER_CONFIG: z.string().optional(),
  PRESET: z.enum(presetNames).optional(),
  FACE_MODEL_PATH: z.string().min(1).default(defaultDetectionSettings.faceModelPath),
  TEXT_MODEL_PATH: z.string().min(1).default(defaultDetectionSettings.textModelPath),
  DETECTION_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(defaultDetectionSettings.timeoutMs),
  LAMBDA_TASK_ROOT: z.string().optional(),
});

/**
 * Reads the function's settings from its environment, refusing at start-up anything that
 * is missing or that would make the function process its own outputs. The recipes are the
 * built-in PRESET when set, or come from PIXELATER_CONFIG (a path) or `pixelater.config.json`
 * in the function's folder (LAMBDA_TASK_ROOT), or are the built-in default. Detection reads
 * its models from FACE_MODEL_PATH and TEXT_MODEL_PATH, within DETECTION_TIMEOUT_MS.
 *
 * @throws {ConfigurationError} listing every problem.
 */
export function settingsFromEnvironment(env: NodeJS.ProcessEnv): PipelineSettings {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigurationError(`pixelater cannot start: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  // The recipe file is bundled beside the handler, in the function's root folder.
  const { recipes } = loadRecipes(
    values.PIXELATER_CONFIG,
    values.LAMBDA_TASK_ROOT ?? process.cwd(),
    values.PRESET,
  );
  const settings = pipelineSettings({
    recipes,
    destinationBucket: values.DESTINATION_BUCKET,
    destinationPrefix: values.DESTINATION_PREFIX,
    limits: {
      maxInputBytes: values.MAX_INPUT_BYTES,
      maxPixels: values.MAX_PIXELS,
      maxAnimationPixels: values.MAX_ANIMATION_PIXELS,
      maxSeconds: values.MAX_SECONDS,
      allowSvg: values.ALLOW_SVG,
    },
    detection: {
      ...defaultDetectionSettings,
      faceModelPath: values.FACE_MODEL_PATH,
      textModelPath: values.TEXT_MODEL_PATH,
      timeoutMs: values.DETECTION_TIMEOUT_MS,
    },
  });
  if (values.SOURCE_BUCKET) assertNoLoop(values.SOURCE_BUCKET, values.SOURCE_PREFIX, settings);
  return settings;
}
