import { z } from 'zod';

import { configSchema } from './schema.ts';

/** Where the published JSON Schema lives in the package, for editors (`"$schema"`). */
export const jsonSchemaPath = 'schema/pixelater.config.schema.json';

/**
 * The JSON Schema of `pixelater.config.json`, as text, made from the same zod schema that
 * validates the file at start-up. It describes what a user writes (defaults may be left out).
 *
 * @example
 * writeFileSync(jsonSchemaPath, configJsonSchema());
 */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
  return `${JSON.stringify({ ...schema, title: 'pixelater.config.json' }, null, 2)}\n`;
}
