import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { assertOutputOutsideSources, collectSources } from '../../src/cli/collect-sources.ts';
import { ConfigurationError } from '../../src/errors.ts';

async function folderWith(...files: string[]) {
  const root = await mkdtemp(join(tmpdir(), 'pixelater-sources-'));
  for (const file of files) {
    await mkdir(join(root, file, '..'), { recursive: true });
    await writeFile(join(root, file), file);
  }
  return root;
}

describe('the objects pixelater process reads', () => {
  it('refuses two files that would be the same object, instead of dropping one', async () => {
    const root = await folderWith('a/x.jpg', 'b/x.jpg');
    await expect(collectSources([join(root, 'a/x.jpg'), join(root, 'b/x.jpg')])).rejects.toThrow(
      /a\/x\.jpg and .*b\/x\.jpg would both be the object 'x\.jpg'/,
    );
  });

  it('keeps files of the same name apart when they come from one folder', async () => {
    const root = await folderWith('a/x.jpg', 'b/x.jpg');
    expect([...(await collectSources([root])).keys()]).toEqual(['a/x.jpg', 'b/x.jpg']);
  });

  it('refuses an --out folder that a symbolic link places inside a source folder', async () => {
    const root = await folderWith('photos/cat.jpg');
    await mkdir(join(root, 'photos', 'derived'));
    await symlink(join(root, 'photos', 'derived'), join(root, 'out-link'));
    expect(() =>
      assertOutputOutsideSources([join(root, 'photos')], join(root, 'out-link')),
    ).toThrow(ConfigurationError);
    expect(() =>
      assertOutputOutsideSources([join(root, 'photos')], join(root, 'out-link', 'not-yet')),
    ).toThrow(ConfigurationError);
    expect(() =>
      assertOutputOutsideSources([join(root, 'photos')], join(root, 'out')),
    ).not.toThrow();
  });
});
