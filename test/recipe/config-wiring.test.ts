import { execFile } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

import { settingsFromEnvironment } from '../../src/lambda/settings-from-environment.ts';
import { recipeFor } from '../../src/recipe/recipe.ts';
import { fixturePath } from '../support/fixtures.ts';

const shop = {
  rules: [
    {
      name: 'shop',
      match: { suffix: '.png' },
      outputs: [{ resize: { width: 1 }, format: 'webp' }],
    },
  ],
};

describe('where the recipe file comes from', () => {
  it('is read by the Lambda function from its own folder, or from PIXELATER_CONFIG', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pixelater-task-'));
    await writeFile(join(root, 'pixelater.config.json'), JSON.stringify(shop));
    const bundled = settingsFromEnvironment({ DESTINATION_BUCKET: 'out', LAMBDA_TASK_ROOT: root });
    expect(recipeFor(bundled.recipes, 'a.png').name).toBe('shop');

    await writeFile(join(root, 'broken.json'), '{"outputs":[{"pixelate":{"grid":0}}]}');
    expect(() =>
      settingsFromEnvironment({
        DESTINATION_BUCKET: 'out',
        LAMBDA_TASK_ROOT: root,
        PIXELATER_CONFIG: 'broken.json',
      }),
    ).toThrow(
      `${join(root, 'broken.json')} is not a usable recipe file:\n  outputs[0].pixelate.grid: expected a whole number from 2 to 512, got 0`,
    );
  });

  it('is given to pixelater process with --config', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'pixelater-process-'));
    const config = join(folder, 'shop.json');
    await writeFile(config, JSON.stringify(shop));
    const cli = new URL('../../bin/pixelater.js', import.meta.url).pathname;
    const out = join(folder, 'out');
    await promisify(execFile)(process.execPath, [
      cli,
      'process',
      fixturePath('tiny_2x2.png'),
      '--out',
      out,
      '--config',
      config,
    ]);
    expect((await readdir(join(out, 'tiny_2x2.png'))).sort()).toEqual(['metadata.json', 'w1.webp']);
  });
});
