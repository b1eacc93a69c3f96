import { writeFileSync } from 'node:fs';

import { configJsonSchema, jsonSchemaPath } from '../src/recipe/json-schema.ts';

// `npm run schema`: regenerates the published JSON Schema after a change to src/recipe/schema.ts.
writeFileSync(new URL(`../${jsonSchemaPath}`, import.meta.url), configJsonSchema());
console.log(`wrote ${jsonSchemaPath}`);
