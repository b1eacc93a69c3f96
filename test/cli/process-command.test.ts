import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

import { facesFolder } from '../support/faces.ts';
import { caseFile, fixturePath, imagesFolder } from '../support/fixtures.ts';

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

  it('adds a face-pixelated copy with its audit under --preset privacy', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pixelater-out-'));
    const photo = join(facesFolder, 'two_2faces_heights.jpg');
    const result = await pixelater('process', '--preset', 'privacy', photo, '--out', out);
    expect(result.stdout).toContain('processed  two_2faces_heights.jpg -> 14 outputs');
    expect(result.code).toBe(0);
    const record = JSON.parse(
      await readFile(join(out, 'two_2faces_heights.jpg', 'metadata.json'), 'utf8'),
    );
    expect(record.recipe.name).toBe('privacy');
    const faces = record.outputs.find(
      (output: { name: string }) => output.name === 'pixelated-faces.jpg',
    );
    expect(faces.redaction.regions).toHaveLength(2);
    expect(faces.redaction.detectors[0].detector).toBe('ultraface-rfb-320');
    expect(await readdir(join(out, 'two_2faces_heights.jpg'))).toContain('pixelated-faces.jpg');
  });

  it('refuses a preset it does not know, listing the ones it does', async () => {
    const result = await pixelater('process', '--preset', 'blurry', '/tmp', '--out', '/tmp/x');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('default, privacy, privacy-text');
  });

  it('refuses a preset and a recipe file together', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pixelater-out-'));
    const photo = fixturePath('tiny_2x2.png');
    const result = await pixelater(
      'process',
      '--preset',
      'privacy',
      '--config',
      'shop.json',
      photo,
      '--out',
      out,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "both the preset 'privacy' and the recipe file shop.json were given; name only one",
    );
  });

  it('says in one line when a path does not exist', async () => {
    const result = await pixelater('process', '/no/such/photo.jpg', '--out', '/tmp/x');
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('pixelater: /no/such/photo.jpg: no such file or folder');
  });
});

describe('pixelater process, how it reports', () => {
  it('prints one plain line per file and a summary with every rejection when not in a terminal', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pixelater-out-'));
    const result = await pixelater(
      'process',
      caseFile('20-multi-record-batch', 'objects'),
      '--out',
      out,
    );

    expect(result.stdout).not.toContain('\u001b');
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3).map((line) => line.split(' ')[0])).toEqual([
      'processed',
      'rejected',
      'processed',
    ]);
    expect(lines[3]).toMatch(
      new RegExp(
        `^2 processed, 1 rejected, 0 failed in [\\d.]+ s \\([\\d.]+ images/s\\); outputs in ${out}$`,
      ),
    );
    expect(lines.slice(4)).toEqual([
      'rejected:',
      "  obj02.txt: not an image (starts with 'shopping')",
    ]);
    expect(result.code).toBe(1);
  });

  it('draws a progress bar with counts, rate and time left in a terminal', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pixelater-out-'));
    const command = [
      process.execPath,
      cli,
      'process',
      fixturePath('tiny_2x2.png'),
      caseFile('20-multi-record-batch', 'objects'),
      '--out',
      out,
    ]
      .map((word) => `'${word}'`)
      .join(' ');
    // script(1) runs the command on a pseudo-terminal, as a user's shell would.
    const { stdout } = await run('script', ['-qfec', command, '/dev/null']).catch(
      (error: { stdout: string }) => error,
    );

    expect(stdout).toMatch(/ 4\/4 images \| [\d.]+ images\/s \| \d+s left \| 1 rejected, 0 failed/);
    expect(stdout).not.toContain('processed  tiny_2x2.png');
    expect(stdout).toMatch(/3 processed, 1 rejected, 0 failed in/);
  });

  it('exits 0 when every file was processed', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pixelater-out-'));
    const result = await pixelater(
      'process',
      fixturePath('tiny_2x2.png'),
      fixturePath('basn3p08.png'),
      '--out',
      out,
      '--concurrency',
      '2',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^2 processed, 0 rejected, 0 failed in /m);
  });

  it('exits 2 and names the file when its outputs cannot be written', async () => {
    const result = await pixelater(
      'process',
      fixturePath('tiny_2x2.png'),
      '--out',
      '/dev/null/out',
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/^failed     tiny_2x2\.png: /m);
    expect(result.stdout).toMatch(/^0 processed, 0 rejected, 1 failed in /m);
  });
});

describe('pixelater, on a wrong command line', () => {
  it('says what is wrong in one line and exits 2', async () => {
    const result = await pixelater('process', 'photos/', '--out', 'out/', '--concurrency', '0');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      "pixelater: option '--concurrency <number>' argument '0' is invalid. expected a whole number from 1 to 64, got '0'\n",
    );
  });

  it('shows the stack trace of an error only with --verbose', async () => {
    const quiet = await pixelater('inspect', '/no/such/photo.jpg');
    const verbose = await pixelater('inspect', '/no/such/photo.jpg', '--verbose');
    expect(quiet.stderr).toBe('pixelater: /no/such/photo.jpg: no such file or folder\n');
    expect(verbose.stderr).toMatch(/\n\s+at /);
    expect([quiet.code, verbose.code]).toEqual([2, 2]);
  });

  it('gives every command a --help with examples', async () => {
    for (const command of [[], ['start'], ['process'], ['inspect']]) {
      const help = await pixelater(...command, '--help');
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/\nExamples?:\n  (npx pixelater|npm start)/);
    }
  });
});

describe('pixelater inspect', () => {
  it('says in one line that it reads one file when given a folder', async () => {
    const result = await pixelater('inspect', imagesFolder);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `pixelater: ${imagesFolder}: not a file; inspect reads one image (process takes folders)`,
    );
  });

  it('prints the metadata record of a file without writing anything', async () => {
    const result = await pixelater('inspect', fixturePath('Landscape_8.jpg'));
    const record = JSON.parse(result.stdout);
    expect(record.image).toMatchObject({ width: 1800, height: 1200, orientation: 8 });
    expect(record.outputs).toHaveLength(13);
  });
});
