import { writeFileSync } from 'node:fs';

import { configJsonSchema, jsonSchemaPath } from '../src/recipe/json-schema.ts';
import { recordJsonSchemaPath, recordJsonSchemaText } from '../src/record/record-json-schema.ts';

// `npm run schema`: regenerates both published JSON Schemas, of the recipe file and of the
// metadata record, after a change to src/recipe/schema.ts or src/record/metadata-record.ts.
for (const [path, text] of [
  [jsonSchemaPath, configJsonSchema()],
  [recordJsonSchemaPath, recordJsonSchemaText()],
] as const) {
  writeFileSync(new URL(`../${path}`, import.meta.url), text);
  console.log(`wrote ${path}`);
}
