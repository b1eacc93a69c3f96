import { z } from 'zod';

import { templateProblem } from './output-name.ts';

/**
 * The schema of `pixelater.config.json`, the one place a recipe's shape is written down.
 * The TypeScript types (`recipe-types.ts`), the JSON Schema published for editors
 * (`schema/pixelater.config.schema.json`) and the start-up validation all come from it.
 *
 * Every bound has a message in the words a user reads in the start-up report:
 * `outputs[2].pixelate.grid: expected a whole number from 2 to 512, got 0`.
 */

function wholeNumber(min: number, max: number) {
  const error = `expected a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `expected one of ${values.map((v) => `'${v}'`).join(', ')}` });
}

const fraction = z
  .number({ error: 'expected a number from 0 to 1' })
  .min(0, { error: 'expected a number from 0 to 1' })
  .max(1, { error: 'expected a number from 0 to 1' });

const colour = z
  .string({ error: "expected a colour such as '#ffffff' or '#00000000'" })
  .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/, {
    error: "expected a colour such as '#ffffff' or '#00000000'",
  });

/** Encodings an output can be written in; `original` keeps the source's format. */
export const formatNames = ['jpeg', 'webp', 'avif', 'png', 'gif', 'original'] as const;

/** Where `cover` keeps the picture when it crops: a side or corner, or a content strategy. */
export const positionNames = [
  'centre',
  'north',
  'northeast',
  'east',
  'southeast',
  'south',
  'southwest',
  'west',
  'northwest',
  'attention',
  'entropy',
] as const;

/** How a resized copy fills its box. */
export const fitNames = ['inside', 'cover', 'contain', 'fill'] as const;

/** Where the rectangles of a pixelated region come from. */
export const regionSourceNames = ['object', 'faces', 'text'] as const;

export const regionSchema = z
  .strictObject({
    left: z.number({ error: 'expected a number' }).min(0, { error: 'expected 0 or more' }),
    top: z.number({ error: 'expected a number' }).min(0, { error: 'expected 0 or more' }),
    width: z.number({ error: 'expected a number' }).positive({ error: 'expected more than 0' }),
    height: z.number({ error: 'expected a number' }).positive({ error: 'expected more than 0' }),
    unit: oneOf(['px', 'fraction'])
      .default('px')
      .describe("'px': displayed pixels; 'fraction': 0 to 1 of the displayed width and height"),
  })
  .describe('A rectangle of the displayed (upright) image.');

const regionsSchema = z
  .strictObject({
    rectangles: z
      .array(regionSchema)
      .default([])
      .describe('Fixed rectangles, the same for every image (a watermark, a name plate).'),
    sources: z
      .array(oneOf(regionSourceNames))
      .default([])
      .describe(
        "'object': rectangles the uploader gives with the object (metadata, tags or sidecar " +
          "JSON); 'faces': faces found by face detection; 'text': lines of text and licence " +
          'plates found by text detection.',
      ),
    whenNoneFound: oneOf(['whole-image', 'leave'])
      .default('whole-image')
      .describe(
        "When a source is asked for and gives no rectangle: 'whole-image' pixelates everything " +
          "(safe for privacy), 'leave' writes the image untouched (a photo without a face stays sharp).",
      ),
    blocksAcross: wholeNumber(2, 64)
      .default(8)
      .describe(
        'Blocks along the longer side of each detected face or text box: the block side ' +
          'scales with the box, so a small face far away is hidden as well as a large one.',
      ),
    margins: z
      .strictObject({
        faces: fraction.default(0.25),
        text: fraction.default(0.1),
      })
      .prefault({})
      .describe(
        'Added around each detected box on every side, as a fraction of its width and height: ' +
          'a face box leaves out hair, ears and chin.',
      ),
  })
  .describe('Pixelate only these rectangles; everything else is left untouched.');

const paletteSchema = z
  .strictObject({
    colours: wholeNumber(2, 256).describe('Number of colours in the palette.'),
    dither: z
      .boolean({ error: 'expected true or false' })
      .default(false)
      .describe('Floyd-Steinberg dithering between blocks.'),
  })
  .describe('Reduce the blocks to a palette: pixel art.');

const pixelateSchema = z
  .strictObject({
    grid: wholeNumber(2, 512)
      .optional()
      .describe('Number of square blocks along the longer side (the classic 8 to 64).'),
    blockSize: wholeNumber(1, 4096).optional().describe('Side of every square block, in pixels.'),
    size: oneOf(['displayed', 'small'])
      .default('displayed')
      .describe("'displayed': the image's own size; 'small': pixelsPerBlock pixels per block."),
    pixelsPerBlock: wholeNumber(1, 64)
      .default(1)
      .describe("With size 'small': the side of each block in the output."),
    regions: regionsSchema.optional(),
    palette: paletteSchema.optional(),
  })
  .superRefine((value, context) => {
    if (value.grid !== undefined && value.blockSize !== undefined) {
      context.addIssue({
        code: 'custom',
        path: ['blockSize'],
        message:
          "give either 'grid' (blocks along the longer side) or 'blockSize' (pixels), not both",
      });
    }
    if (value.regions && value.size === 'small') {
      context.addIssue({
        code: 'custom',
        path: ['regions'],
        message: "regions need size 'displayed': a small output has no untouched pixels to keep",
      });
    }
  })
  .describe('A pixelated copy, with exact square blocks aligned to the top-left corner.');

const resizeSchema = z
  .strictObject({
    width: wholeNumber(1, 16384).optional(),
    height: wholeNumber(1, 16384).optional(),
    fit: oneOf(fitNames)
      .default('inside')
      .describe(
        "'inside': fits the box, aspect kept; 'cover': fills the box, cropping; 'contain': " +
          "fits the box, padded with background; 'fill': stretched to the box.",
      ),
    position: oneOf(positionNames)
      .default('centre')
      .describe("With 'cover': the part kept, or 'attention' / 'entropy' to find the subject."),
    background: colour.optional().describe("With 'contain': the padding colour."),
    enlarge: z
      .boolean({ error: 'expected true or false' })
      .default(false)
      .describe('Allow a copy larger than the source; by default the box shrinks to fit it.'),
  })
  .superRefine((value, context) => {
    if (value.width === undefined && value.height === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['width'],
        message: "expected 'width', 'height' or both",
      });
    }
  })
  .describe('A resized or cropped copy.');

const effortRanges = { webp: [0, 6], avif: [0, 9], png: [1, 10], gif: [1, 10] } as const;

const metadataSchema = z
  .strictObject({
    iccProfile: z
      .boolean({ error: 'expected true or false' })
      .default(false)
      .describe('Attach the colour profile of the output pixels (sRGB).'),
    copyright: z
      .boolean({ error: 'expected true or false' })
      .default(false)
      .describe("Keep the source's EXIF Copyright and Artist, and nothing else."),
  })
  .describe('Metadata written into the output; everything else is always stripped.');

export const outputSchema = z
  .strictObject({
    pixelate: pixelateSchema.optional(),
    resize: resizeSchema.optional(),
    preset: oneOf(['moderation-preview'])
      .optional()
      .describe("'moderation-preview': 12 blocks, 16 px each, WebP: safe before approval."),
    format: oneOf(formatNames).optional().describe("Default 'jpeg' ('webp' for presets)."),
    quality: wholeNumber(1, 100).optional().describe('Default 80 (AVIF 50).'),
    effort: wholeNumber(0, 10)
      .optional()
      .describe('CPU spent on compression: WebP 0-6, AVIF 0-9, PNG and GIF 1-10.'),
    name: z
      .string({ error: 'expected a name' })
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, {
        error: 'expected letters, digits, dots, dashes and underscores, without a slash',
      })
      .optional()
      .describe('The {name} part of the output key; derived from the options when absent.'),
    metadata: metadataSchema.optional(),
  })
  .superRefine((value, context) => {
    const kinds = (['pixelate', 'resize', 'preset'] as const).filter((k) => value[k] !== undefined);
    if (kinds.length !== 1) {
      context.addIssue({
        code: 'custom',
        path: [],
        message:
          kinds.length === 0
            ? "expected one of 'pixelate', 'resize' or 'preset'"
            : `expected only one of ${kinds.map((k) => `'${k}'`).join(', ')}`,
      });
    }
    if (value.effort !== undefined) {
      const range = value.format ? effortRanges[value.format as keyof typeof effortRanges] : null;
      if (!range) {
        context.addIssue({
          code: 'custom',
          path: ['effort'],
          message: `effort needs a format of 'webp', 'avif', 'png' or 'gif'`,
        });
      } else if (value.effort < range[0] || value.effort > range[1]) {
        context.addIssue({
          code: 'custom',
          path: ['effort'],
          message: `expected a whole number from ${range[0]} to ${range[1]} for ${value.format}, got ${value.effort}`,
        });
      }
    }
  })
  .describe('One output: exactly one of pixelate, resize or preset, and how to encode it.');

const outputsSchema = z
  .array(outputSchema, { error: 'expected a list of outputs' })
  .min(1, { error: 'expected at least one output' });

const matchPart = z.union([z.string(), z.array(z.string())], {
  error: 'expected a string or a list of strings',
});

export const ruleSchema = z
  .strictObject({
    name: z
      .string({ error: 'expected a name' })
      .min(1, { error: 'expected a name' })
      .describe('Recorded in every metadata record made by this rule.'),
    match: z
      .strictObject({
        prefix: matchPart.optional().describe('Key starts with this (or one of these).'),
        suffix: matchPart
          .optional()
          .describe('Key ends with this (or one of these), ignoring case: ".jpg".'),
      })
      .describe('Both prefix and suffix must match when both are given.'),
    background: colour.optional(),
    outputs: outputsSchema,
  })
  .describe('The outputs for the keys that match; the first matching rule wins.');

const recordSettingsSchema = z
  .strictObject({
    includeGpsPosition: z
      .boolean()
      .default(false)
      .describe(
        'Write the GPS latitude and longitude in the record, not only whether there is one.',
      ),
    outputMetadata: z
      .boolean()
      .default(false)
      .describe('Put a summary of the record on every output as S3 user metadata.'),
  })
  .describe('What the metadata record says; both off by default.');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    record: recordSettingsSchema.optional(),
    background: colour
      .default('#ffffff')
      .describe('Transparent pixels are flattened onto this colour in JPEG outputs.'),
    naming: z
      .string({ error: 'expected a template' })
      .default('{key}/{name}.{ext}')
      .superRefine((template, context) => {
        const problem = templateProblem(template);
        if (problem) context.addIssue({ code: 'custom', message: `${problem}, got '${template}'` });
      })
      .describe(
        'Output key, relative to the destination prefix. Parts: {key} (source key), {stem} ' +
          '(key without its extension), {name}, {width}, {height}, {format}, {ext}.',
      ),
    outputs: outputsSchema
      .optional()
      .describe('Outputs of keys that no rule matches; the built-in default when absent.'),
    rules: z.array(ruleSchema, { error: 'expected a list of rules' }).default([]),
  })
  .describe('pixelater.config.json: what each upload produces.');

export type ConfigInput = z.input<typeof configSchema>;
export type ConfigValue = z.output<typeof configSchema>;
export type OutputValue = z.output<typeof outputSchema>;
export type RegionValue = z.output<typeof regionSchema>;
