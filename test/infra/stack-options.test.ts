import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { defaultMemoryMb, stackOptionsFromContext } from '../../infra/stack-options.ts';
import { ConfigurationError } from '../../src/errors.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'pixelater-options-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('deployment options from CDK context', () => {
  it('fills in the documented defaults when nothing is given', () => {
    expect(stackOptionsFromContext({}, root)).toEqual({
      stackName: 'Pixelater',
      sourcePrefix: '',
      destinationPrefix: '',
      suffixes: [],
      memoryMb: defaultMemoryMb,
      timeoutSeconds: 120,
      batchSize: 4,
      batchingWindowSeconds: 1,
      maxReceiveCount: 3,
      maxInputBytes: 104857600,
      maxPixels: 50_000_000,
      logRetentionDays: 30,
      recipeFile: undefined,
    });
  });

  it('reads numbers and comma-separated lists as the CLI passes them, as strings', () => {
    const options = stackOptionsFromContext(
      {
        sourceBucket: 'my-photos',
        suffixes: '.jpg, .png,',
        memoryMb: '3008',
        maxConcurrency: '10',
      },
      root,
    );
    expect(options).toMatchObject({
      sourceBucket: 'my-photos',
      suffixes: ['.jpg', '.png'],
      memoryMb: 3008,
      maxConcurrency: 10,
    });
  });

  it('bundles pixelater.config.json from the repository root when it exists', () => {
    expect(stackOptionsFromContext({}, root).recipeFile).toBeUndefined();
    writeFileSync(join(root, 'pixelater.config.json'), '{}');
    expect(stackOptionsFromContext({}, root).recipeFile).toBe(join(root, 'pixelater.config.json'));
  });

  it('takes a named recipe file relative to the root, and refuses one that is not there', () => {
    writeFileSync(join(root, 'thumbnails.json'), '{}');
    expect(stackOptionsFromContext({ recipe: 'thumbnails.json' }, root).recipeFile).toBe(
      join(root, 'thumbnails.json'),
    );
    expect(() => stackOptionsFromContext({ recipe: 'missing.json' }, root)).toThrow(
      /^missing\.json: recipe file not found/,
    );
  });

  it('names every unusable option in one error', () => {
    const attempt = () =>
      stackOptionsFromContext(
        { sourceBucket: 'My_Photos', batchSize: '50', logRetentionDays: '31', alarmEmail: 'ops' },
        root,
      );
    expect(attempt).toThrow(ConfigurationError);
    expect(attempt).toThrow(
      /^pixelater cannot be deployed: sourceBucket "My_Photos": expected an S3 bucket name/,
    );
    expect(attempt).toThrow(/; batchSize "50": Too big: expected number to be <=10/);
    expect(attempt).toThrow(/; logRetentionDays "31": expected one of 1, 3, 5,/);
    expect(attempt).toThrow(/; alarmEmail "ops": Invalid email/);
  });
});
