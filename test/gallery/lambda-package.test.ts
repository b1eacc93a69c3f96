import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

/** Every source file of ours that bundling `entry` pulls in, as esbuild resolves imports. */
async function sourcesBundledFrom(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [`${root}${entry}`],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).sort();
}

describe('the Lambda package', () => {
  it('is built from the handler without any of the gallery or the local stack', async () => {
    const sources = await sourcesBundledFrom('src/lambda/handler.ts');
    expect(sources).toContain('src/pipeline/process-object-event.ts');
    expect(sources.filter((path) => /^src\/(gallery|local|cli)\//.test(path))).toEqual([]);
  });
});
