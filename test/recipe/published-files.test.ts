import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { configJsonSchema, jsonSchemaPath } from '../../src/recipe/json-schema.ts';
import { parseConfig, RecipeFileError } from '../../src/recipe/load-config.ts';
import { configSchema } from '../../src/recipe/schema.ts';

const repo = new URL('../../', import.meta.url);
const examples = readdirSync(new URL('examples/', repo)).filter((name) => name.endsWith('.json'));

describe('files published with the package', () => {
  it('has a JSON Schema that matches the zod schema (run `npm run schema` after changing it)', () => {
    const committed = readFileSync(new URL(jsonSchemaPath, repo), 'utf8');
    expect(committed).toBe(configJsonSchema());
  });

  it.each(examples)('has an example recipe, %s, that the schema accepts', (name) => {
    const text = readFileSync(new URL(`examples/${name}`, repo), 'utf8');
    expect(configSchema.safeParse(JSON.parse(text)).error?.issues).toBeUndefined();
  });

  it('loads every example, the face regions included', () => {
    const problems = examples.flatMap((name) => {
      const text = readFileSync(new URL(`examples/${name}`, repo), 'utf8');
      try {
        parseConfig(text, name);
        return [];
      } catch (error) {
        return error instanceof RecipeFileError ? error.problems.map((p) => `${name} ${p}`) : [];
      }
    });
    expect(examples).toHaveLength(4);
    expect(problems).toEqual([]);
  });
});
