import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

import { caseFile, fixturePath } from '../support/fixtures.ts';

const run = promisify(execFile);
const cli = new URL('../../bin/pixelater.js', import.meta.url).pathname;

async function pixelater(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [cli, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('pixelater process', () => {
  it('keys a named file by its name and a folder file by its relative path, as in the bucket', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pixelater-out-'));
    const result = await pixelater(
      'process',
      fixturePath('tiny_2x2.png'),
      caseFile('20-multi-record-batch', 'objects'),
      '--out',
      out,
    );

    expect(result.stdout).toContain('processed  tiny_2x2.png -> 13 outputs');
    expect(result.stdout).toContain("rejected   obj02.txt: not an image (starts with 'shopping')");
    expect(result.stdout).toMatch(/3 processed, 1 rejected, 0 failed/);
    expect(result.code).toBe(1);

    expect((await readdir(out)).sort()).toEqual([
      'obj01.jpg',
      'obj02.txt',
      'obj03.png',
      'tiny_2x2.png',
    ]);
    expect((await readdir(join(out, 'obj01.jpg'))).sort()).toContain('metadata.json');
    const record = JSON.parse(await readFile(join(out, 'obj02.txt', 'metadata.json'), 'utf8'));
    expect(record.status).toBe('rejected');
  });

  it('exits 0 when told rejections are expected, and prints a JSON summary on request', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pixelater-out-'));
    const result = await pixelater(
      'process',
      caseFile('20-multi-record-batch', 'objects'),
      '--out',
      out,
      '--json',
      '--allow-rejected',
    );
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.processed).toBe(2);
    expect(summary.rejected).toEqual([
      { key: 'obj02.txt', reason: "not an image (starts with 'shopping')" },
    ]);
  });

  it('says in one line when a path does not exist', async () => {
    const result = await pixelater('process', '/no/such/photo.jpg', '--out', '/tmp/x');
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('pixelater: /no/such/photo.jpg: no such file or folder');
  });
});

describe('pixelater inspect', () => {
  it('prints the metadata record of a file without writing anything', async () => {
    const result = await pixelater('inspect', fixturePath('Landscape_8.jpg'));
    const record = JSON.parse(result.stdout);
    expect(record.image).toMatchObject({ width: 1800, height: 1200, orientation: 8 });
    expect(record.outputs).toHaveLength(13);
  });
});
