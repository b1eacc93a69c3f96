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
 * A folder on disk standing in for a bucket: an object with key K is the file `root/K`.
 * The bucket name is ignored, so the folder holds exactly the layout a bucket would.
 */
export class FolderObjectStore implements ObjectStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async getObject(bucket: string, key: string, maxBytes: number): Promise<StoredObject> {
    const path = this.pathOf(key);
    const size = await stat(path).then(
      (stats) => stats.size,
      () => undefined,
    );
    if (size === undefined) throw new ObjectNotFoundError(bucket, key);
    if (size > maxBytes) throw new ObjectTooLargeError(key, size, maxBytes);
    return { bucket, key, bytes: await readFile(path), metadata: {} };
  }

  async headObject(_bucket: string, key: string): Promise<ObjectHead | undefined> {
    const size = await stat(this.pathOf(key)).then(
      (stats) => stats.size,
      () => undefined,
    );
    return size === undefined ? undefined : { contentLength: size, metadata: {} };
  }

  async putObject(_bucket: string, key: string, body: Buffer, _options: PutOptions): Promise<void> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }

  async deleteObjects(_bucket: string, keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => rm(this.pathOf(key), { force: true })));
  }

  /** Keys are paths under the root; one that would climb out of it is refused. */
  private pathOf(key: string): string {
    const path = resolve(join(this.root, key));
    if (!path.startsWith(this.root + sep)) throw new Error(`${key}: key leads outside ${this.root}`);
    return path;
  }
}
