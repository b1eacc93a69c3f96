import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

import { ObjectNotFoundError } from '../errors.ts';
import {
  type ObjectHead,
  type ObjectStore,
  ObjectTooLargeError,
  type PutOptions,
  type StoredObject,
} from './object-store.ts';

/**
 * Files on disk standing in for a bucket. The bucket name is ignored: a folder store holds
 * exactly the layout the bucket would, and a file-list store serves the files named on a
 * command line under the keys they were given.
 */
export class FileObjectStore implements ObjectStore {
  private constructor(private readonly pathOf: (key: string) => string | undefined) {}

  /** The object with key K is the file `root/K`. */
  static inFolder(root: string): FileObjectStore {
    const base = resolve(root);
    return new FileObjectStore((key) => {
      const path = resolve(join(base, key));
      // A key that would climb out of the folder is no object of this store.
      return path.startsWith(base + sep) ? path : undefined;
    });
  }

  /** Only the given files, each under its key. */
  static ofFiles(pathsByKey: ReadonlyMap<string, string>): FileObjectStore {
    return new FileObjectStore((key) => pathsByKey.get(key));
  }

  async getObject(bucket: string, key: string, maxBytes: number): Promise<StoredObject> {
    const path = this.pathOf(key);
    const size = path ? await sizeOf(path) : undefined;
    if (path === undefined || size === undefined) throw new ObjectNotFoundError(bucket, key);
    if (size > maxBytes) throw new ObjectTooLargeError(key, size, maxBytes);
    return { bucket, key, bytes: await readFile(path), metadata: {} };
  }

  async headObject(_bucket: string, key: string): Promise<ObjectHead | undefined> {
    const path = this.pathOf(key);
    const size = path ? await sizeOf(path) : undefined;
    return size === undefined ? undefined : { contentLength: size, metadata: {} };
  }

  async putObject(_bucket: string, key: string, body: Buffer, _options: PutOptions): Promise<void> {
    const path = this.writablePath(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }

  async deleteObjects(_bucket: string, keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.writablePath(key), { force: true })));
  }

  private writablePath(key: string): string {
    const path = this.pathOf(key);
    if (!path)
      throw new Error(`${key}: not a key this store can write (it leads outside its folder)`);
    return path;
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (stats) => (stats.isFile() ? stats.size : undefined),
    () => undefined,
  );
}
