import { z } from 'zod';

import { MetadataRecordSchema } from './metadata-record.ts';

/** Where the JSON Schema is committed and published, relative to the package root. */
export const recordJsonSchemaPath = 'schema/metadata-record.schema.json';

/**
 * The JSON Schema (draft 2020-12) of `metadata.json`, generated from the zod schema the
 * pipeline itself uses, as the text committed at `schema/metadata-record.schema.json`.
 *
 * @example
 * const schema = JSON.parse(recordJsonSchemaText()); // schema.title === 'pixelater metadata record'
 */
export function recordJsonSchemaText(): string {
  const schema = z.toJSONSchema(MetadataRecordSchema, { target: 'draft-2020-12', io: 'output' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
