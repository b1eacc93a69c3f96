import { createHash } from 'node:crypto';

import { ObjectNotFoundError } from '../errors.ts';
import {
  type ObjectHead,
  type ObjectStore,
  ObjectTooLargeError,
  type PutOptions,
  type StoredObject,
} from './object-store.ts';

interface MemoryObject {
  body: Buffer;
  contentType: string;
  metadata: Record<string, string>;
  etag: string;
}

/** Buckets held in memory: for `pixelater inspect` and the benchmark, which write nothing. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, MemoryObject>();

  async getObject(bucket: string, key: string, maxBytes: number): Promise<StoredObject> {
    const object = this.objects.get(`${bucket}/${key}`);
    if (!object) throw new ObjectNotFoundError(bucket, key);
    if (object.body.length > maxBytes)
      throw new ObjectTooLargeError(key, object.body.length, maxBytes);
    const { body, contentType, metadata, etag } = object;
    return { bucket, key, bytes: body, etag, contentType, metadata };
  }

  async headObject(bucket: string, key: string): Promise<ObjectHead | undefined> {
    const object = this.objects.get(`${bucket}/${key}`);
    if (!object) return undefined;
    return { etag: object.etag, contentLength: object.body.length, metadata: object.metadata };
  }

  async putObject(bucket: string, key: string, body: Buffer, options: PutOptions): Promise<void> {
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    this.objects.set(`${bucket}/${key}`, {
      body,
      contentType: options.contentType,
      metadata: options.metadata ?? {},
      etag,
    });
  }

  async deleteObjects(bucket: string, keys: string[]): Promise<void> {
    for (const key of keys) this.objects.delete(`${bucket}/${key}`);
  }
}
