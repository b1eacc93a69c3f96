import { realpathSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

import { ConfigurationError } from '../errors.ts';

/**
 * The objects that `pixelater process` treats the given paths as: a file named on the
 * command line is the object keyed by its file name; a file found in a folder, the object
 * keyed by its path relative to that folder (with '/' separators, as in a bucket).
 *
 * @returns key -> file path, in a stable order.
 * @throws {Error} naming a path that does not exist, or two files that would get one key.
 */
export async function collectSources(paths: string[]): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  const add = (key: string, file: string) => {
    const earlier = sources.get(key);
    // One key, one object: a second file under it would silently replace the first's outputs.
    if (earlier !== undefined && resolve(earlier) !== resolve(file)) {
      throw new Error(
        `${earlier} and ${file} would both be the object '${key}'; ` +
          `name their folders instead, or process them in separate runs`,
      );
    }
    sources.set(key, file);
  };
  for (const path of paths) {
    const stats = await stat(path).catch(() => undefined);
    if (!stats) throw new Error(`${path}: no such file or folder`);
    if (stats.isFile()) {
      add(basename(path), path);
      continue;
    }
    for (const file of await filesUnder(path)) add(relative(path, file).split(sep).join('/'), file);
  }
  return sources;
}

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/**
 * Refuses an output folder inside a source folder (a later run would process the outputs as
 * sources) and a source inside the output folder (it would be an output of an earlier run).
 *
 * @example
 * assertOutputOutsideSources(['photos/'], 'photos/out'); // throws, naming --out
 * @throws {ConfigurationError} naming the option to change.
 */
export function assertOutputOutsideSources(paths: string[], out: string): void {
  const output = realPath(out);
  for (const path of paths) {
    const source = realPath(path);
    if (isWithin(output, source) || isWithin(source, output)) {
      throw new ConfigurationError(
        `outputs would be written where they are read as sources: --out '${out}' and '${path}' ` +
          `overlap. Choose an --out folder outside every source folder.`,
      );
    }
  }
}

function isWithin(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/**
 * The path with every symbolic link resolved, so that a link cannot hide an overlap; for a
 * folder that does not exist yet, its nearest existing parent's real path, plus the rest.
 */
function realPath(path: string): string {
  const absolute = resolve(path);
  try {
    return realpathSync(absolute);
  } catch {
    const parent = dirname(absolute);
    return parent === absolute ? absolute : join(realPath(parent), basename(absolute));
  }
}
