import { z } from 'zod';

import { ConfigurationError } from '../errors.ts';
import { defaultLimits } from '../image/limits.ts';
import { loadRecipes } from '../recipe/load-config.ts';
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
  LAMBDA_TASK_ROOT: z.string().optional(),
});

/**
 * Reads the function's settings from its environment, refusing at start-up anything that
 * is missing or that would make the function process its own outputs. The recipes come from
 * PIXELATER_CONFIG (a path) or `pixelater.config.json` in the function's folder
 * (LAMBDA_TASK_ROOT), or are the built-in default.
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
  });
  if (values.SOURCE_BUCKET) assertNoLoop(values.SOURCE_BUCKET, values.SOURCE_PREFIX, settings);
  return settings;
}
