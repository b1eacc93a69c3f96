import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

import { loadRecipes, parseConfig, RecipeFileError } from '../../src/recipe/load-config.ts';
import { planOutputs } from '../../src/recipe/plan-outputs.ts';
import { defaultRecipe, recipeFor } from '../../src/recipe/recipe.ts';

function problemsOf(config: unknown): string[] {
  try {
    parseConfig(JSON.stringify(config), 'pixelater.config.json');
  } catch (error) {
    if (error instanceof RecipeFileError) return error.problems;
    throw error;
  }
  return [];
}

describe('the recipe file', () => {
  it('carries the record settings to every rule, off when the file does not set them', () => {
    const recipes = parseConfig(
      JSON.stringify({
        record: { includeGpsPosition: true },
        rules: [
          { name: 'avatars', match: { prefix: 'avatars/' }, outputs: [{ resize: { width: 64 } }] },
        ],
      }),
      'pixelater.config.json',
    );
    expect(recipeFor(recipes, 'avatars/a.jpg').record).toEqual({
      includeGpsPosition: true,
      outputMetadata: false,
    });
    expect(recipeFor(recipes, 'other.jpg').record?.includeGpsPosition).toBe(true);
    expect(defaultRecipe.record).toBeUndefined();
    expect(problemsOf({ record: { includeGps: true } })).toHaveLength(1);
  });

  it('names the path, what was expected and what was found, in plain words', () => {
    const problems = problemsOf({
      outputs: [{ pixelate: { grid: 8 } }, { resize: { width: 320 } }, { pixelate: { grid: 0 } }],
    });
    expect(problems).toEqual([
      'outputs[2].pixelate.grid: expected a whole number from 2 to 512, got 0',
    ]);
  });

  it('lists every problem at once, in rules too', () => {
    const problems = problemsOf({
      outputs: [{ resize: { width: 320, fit: 'covr' } }, { format: 'png' }],
      rules: [{ name: 'avatars', match: { prefix: 3 }, outputs: [{ pixelate: { grd: 8 } }] }],
    });
    expect(problems).toEqual([
      "outputs[0].resize.fit: expected one of 'inside', 'cover', 'contain', 'fill', got \"covr\"",
      "outputs[1]: expected one of 'pixelate', 'resize' or 'preset'",
      'rules[0].match.prefix: expected a string or a list of strings, got 3',
      'rules[0].outputs[0].pixelate.grd: unknown option',
    ]);
  });

  it('refuses grid and blockSize together, and two outputs that would write the same key', () => {
    expect(problemsOf({ outputs: [{ pixelate: { grid: 8, blockSize: 20 } }] })).toEqual([
      "outputs[0].pixelate.blockSize: give either 'grid' (blocks along the longer side) or 'blockSize' (pixels), not both",
    ]);
    expect(
      problemsOf({
        outputs: [{ resize: { width: 320 } }, { resize: { width: 320 }, quality: 60 }],
      }),
    ).toEqual([
      `outputs[1]: same name and format as outputs[0] ('w320', jpeg); give one of them a "name"`,
    ]);
  });

  it('accepts face and text regions, with the margins and blocks across filled in', () => {
    const outputs = [{ pixelate: { grid: 16, regions: { sources: ['faces', 'text'] } } }];
    expect(problemsOf({ outputs })).toEqual([]);
    const recipes = parseConfig(JSON.stringify({ outputs }), 'pixelater.config.json');
    const [spec] = recipes.fallback.outputs;
    expect(spec?.kind === 'pixelate' && spec.pixelate.regions).toMatchObject({
      sources: ['faces', 'text'],
      blocksAcross: 8,
      margins: { faces: 0.25, text: 0.1 },
      whenNoneFound: 'whole-image',
    });
  });

  it('refuses a naming template that could make two outputs or two sources share a key', () => {
    expect(problemsOf({ naming: '{key}/{format}' })).toEqual([
      "naming: expected {name}, so that outputs get different keys, got '{key}/{format}'",
    ]);
    expect(problemsOf({ naming: '{name}.{ext}' })[0]).toContain('expected {key} or {stem}');
  });

  it('says when the file is not JSON at all', () => {
    expect(() => parseConfig('{ outputs: [', 'site/pixelater.config.json')).toThrow(
      /^site\/pixelater.config.json is not a usable recipe file:\n {2}not valid JSON/,
    );
  });

  it('picks the first rule whose prefix and suffix match, ignoring the suffix case', () => {
    const recipes = parseConfig(
      JSON.stringify({
        outputs: [{ resize: { width: 100 } }],
        rules: [
          { name: 'avatars', match: { prefix: 'avatars/' }, outputs: [{ resize: { width: 64 } }] },
          {
            name: 'product-photos',
            match: { prefix: ['products/', 'shop/'], suffix: ['.jpg', '.png'] },
            outputs: [{ resize: { width: 800 }, format: 'webp' }],
          },
        ],
      }),
      'pixelater.config.json',
    );
    expect(recipeFor(recipes, 'avatars/ann.jpg').name).toBe('avatars');
    expect(recipeFor(recipes, 'shop/shoe.JPG').name).toBe('product-photos');
    expect(recipeFor(recipes, 'shop/manual.pdf').name).toBe('default');
    expect(recipeFor(recipes, 'blog/cat.jpg').outputs[0]).toMatchObject({ resize: { width: 100 } });
  });

  it('uses the built-in default recipe when the file has no top-level outputs, or there is no file', async () => {
    const recipes = parseConfig(
      JSON.stringify({
        rules: [{ name: 'a', match: { prefix: 'a/' }, outputs: [{ resize: { width: 9 } }] }],
      }),
      'x.json',
    );
    expect(recipeFor(recipes, 'b/cat.jpg').outputs).toEqual(defaultRecipe.outputs);

    const empty = await mkdtemp(join(tmpdir(), 'pixelater-config-'));
    expect(loadRecipes(undefined, empty).file).toBeUndefined();
    await writeFile(join(empty, 'pixelater.config.json'), '{"outputs":[{"resize":{"width":50}}]}');
    const found = loadRecipes(undefined, empty);
    expect(found.file).toBe(join(empty, 'pixelater.config.json'));
    expect(() => loadRecipes('missing.json', empty)).toThrow(
      /missing.json is not a usable recipe file:\n {2}cannot be read \(ENOENT\)/,
    );
  });
});

describe('planning outputs', () => {
  it('keeps the default keys, and fills a naming template with its named parts', () => {
    const names = planOutputs(defaultRecipe, { key: 'p/cat.jpg', width: 1800, height: 1200 });
    expect(names.map((output) => output.key).slice(0, 6)).toEqual([
      'p/cat.jpg/pixelated-grid-8.jpg',
      'p/cat.jpg/pixelated-grid-16.jpg',
      'p/cat.jpg/pixelated-grid-32.jpg',
      'p/cat.jpg/pixelated-grid-48.jpg',
      'p/cat.jpg/pixelated-grid-64.jpg',
      'p/cat.jpg/w320.jpg',
    ]);

    const recipes = parseConfig(
      JSON.stringify({
        naming: 'derived/{stem}-{name}-{width}x{height}.{format}.{ext}',
        outputs: [
          { resize: { width: 320 }, format: 'avif' },
          { pixelate: { blockSize: 10 }, format: 'original' },
        ],
      }),
      'x.json',
    );
    const plan = planOutputs(recipeFor(recipes, 'p/cat.png'), {
      key: 'p/cat.png',
      width: 1000,
      height: 500,
    });
    expect(plan.map((output) => output.key)).toEqual([
      'derived/p/cat-w320-320x160.avif.avif',
      'derived/p/cat-pixelated-block-10px-1000x500.png.png',
    ]);
  });

  it('shrinks a crop box that the image cannot fill, keeping its shape, unless told to enlarge', () => {
    const recipes = parseConfig(
      JSON.stringify({
        outputs: [
          { resize: { width: 400, height: 400, fit: 'cover' } },
          { resize: { width: 400, height: 400, fit: 'cover', enlarge: true }, name: 'big' },
          { resize: { width: 400, height: 400, fit: 'contain' } },
          { resize: { height: 50 } },
        ],
      }),
      'x.json',
    );
    const plan = planOutputs(recipes.fallback, { key: 'a.jpg', width: 300, height: 150 });
    expect(plan.map((o) => [o.name, o.width, o.height])).toEqual([
      ['400x400-cover.jpg', 150, 150],
      ['big.jpg', 400, 400],
      ['400x400-contain.jpg', 300, 300],
      ['h50.jpg', 100, 50],
    ]);
  });
});

describe('pixelater plan', () => {
  it('prints the keys, formats and sizes from the recipe file, writing nothing', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'pixelater-plan-'));
    const config = join(folder, 'shop.json');
    await writeFile(
      config,
      JSON.stringify({
        rules: [
          {
            name: 'avatars',
            match: { prefix: 'avatars/' },
            outputs: [
              { resize: { width: 256, height: 256, fit: 'cover' }, format: 'webp' },
              { preset: 'moderation-preview' },
            ],
          },
        ],
      }),
    );
    const cli = new URL('../../bin/pixelater.js', import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [
      cli,
      'plan',
      'avatars/ann.jpg',
      '--size',
      '1800x1200',
      '--config',
      config,
    ]);
    expect(stdout).toBe(
      `avatars/ann.jpg at 1800x1200: recipe 'avatars' from ${config}\n` +
        '  avatars/ann.jpg/256x256-cover.webp       webp  256x256\n' +
        '  avatars/ann.jpg/moderation-preview.webp  webp  192x128\n',
    );
  });
});
