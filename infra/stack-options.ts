import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { z } from 'zod';

import { ConfigurationError } from '../src/errors.ts';
import { defaultLimits } from '../src/image/limits.ts';

/** Where the deployment reads its recipe when no `recipe` is given: the repository root. */
export const recipeFileName = 'pixelater.config.json';

/**
 * Memory for the function, in MB. Measured on this repository's pipeline with the default
 * recipe: a 22 MP JPEG peaked at 490-546 MB resident, a 24 MP WebP panorama at 655-703 MB,
 * a 48 MP JPEG at 1174 MB (whole Node process). 2048 MB leaves about three times the
 * 24 MP figure, and Lambda gives a little more than one vCPU at this size. Face detection
 * adds about 100 MB (model and one search), faces and text about 450 MB: within it.
 */
export const defaultMemoryMb = 2048;

/** Largest image the deployed function accepts: about 1.2 GB at peak, within the memory. */
export const defaultMaxPixels = 50_000_000;

/** Lambda's accepted log retention periods, in days. */
const retentionDays = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
] as const;

const bucketName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'expected an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)',
  );

/** A list from context: `-c suffixes=.jpg,.png` arrives as a string, cdk.json may hold an array. */
const list = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (typeof value === 'string' ? value.split(',') : value))
  .transform((values) => values.map((value) => value.trim()).filter((value) => value !== ''));

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const contextSchema = z.object({
  stackName: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
      'expected a CloudFormation stack name (letters, digits, hyphens)',
    )
    .default('Pixelater'),
  sourceBucket: bucketName.optional(),
  destinationBucket: bucketName.optional(),
  sourcePrefix: z.string().default(''),
  destinationPrefix: z.string().default(''),
  suffixes: list.default([]),
  recipe: z.string().min(1).optional(),
  memoryMb: integer(128, 10_240).default(defaultMemoryMb),
  timeoutSeconds: integer(10, 900).default(120),
  batchSize: integer(1, 10).default(4),
  batchingWindowSeconds: integer(0, 300).default(1),
  maxConcurrency: integer(2, 1000).optional(),
  maxReceiveCount: integer(1, 1000).default(3),
  maxInputBytes: integer(1, Number.MAX_SAFE_INTEGER).default(defaultLimits.maxInputBytes),
  maxPixels: integer(1, Number.MAX_SAFE_INTEGER).default(defaultMaxPixels),
  logRetentionDays: z.coerce
    .number()
    .refine((days) => (retentionDays as readonly number[]).includes(days), {
      message: `expected one of ${retentionDays.join(', ')}`,
    })
    .default(30),
  alarmEmail: z.email().optional(),
  alarmTopicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:/, 'expected an SNS topic ARN')
    .optional(),
});

/** Everything a deployment can be told, parsed and with defaults filled in. */
export type StackOptions = Omit<z.output<typeof contextSchema>, 'recipe'> & {
  /** Absolute path of the recipe file bundled with the function, if there is one. */
  recipeFile?: string;
};

/** The names `stackOptionsFromContext` reads, for `cdk -c NAME=value`. */
export const contextKeys = Object.keys(contextSchema.shape) as Array<
  keyof typeof contextSchema.shape
>;

/**
 * Parses the deployment's options from CDK context (`-c name=value` or cdk.json), refusing
 * anything unusable with every problem named. The recipe is the file given by `recipe`
 * (relative to `root`), or else `pixelater.config.json` in `root` if it exists, or none.
 *
 * @example
 * stackOptionsFromContext({ sourceBucket: 'my-photos', suffixes: '.jpg,.png' }, repoRoot);
 * // { stackName: 'Pixelater', sourceBucket: 'my-photos', suffixes: ['.jpg', '.png'], ... }
 * @throws {ConfigurationError} listing every problem, or naming the recipe file that is missing.
 */
export function stackOptionsFromContext(
  context: Record<string, unknown>,
  root: string,
): StackOptions {
  const parsed = contextSchema.safeParse(context);
  if (!parsed.success) {
    // The value as given, not as coerced: 'lots', not NaN.
    const problems = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]);
      return `${name} ${JSON.stringify(context[name])}: ${issue.message}`;
    });
    throw new ConfigurationError(`pixelater cannot be deployed: ${problems.join('; ')}`);
  }
  const { recipe, ...options } = parsed.data;
  return { ...options, recipeFile: recipeFileIn(root, recipe) };
}

function recipeFileIn(root: string, named: string | undefined): string | undefined {
  if (named === undefined) {
    const standard = resolve(root, recipeFileName);
    return existsSync(standard) ? standard : undefined;
  }
  const file = resolve(root, named);
  if (!existsSync(file)) {
    throw new ConfigurationError(`${named}: recipe file not found (looked for ${file})`);
  }
  return file;
}
