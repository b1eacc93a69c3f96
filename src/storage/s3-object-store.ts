import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';

import { ObjectNotFoundError } from '../errors.ts';
import {
  type ObjectHead,
  type ObjectStore,
  ObjectTooLargeError,
  type PutOptions,
  type StoredObject,
} from './object-store.ts';

/**
 * Timeouts for the S3 client behind the store. The SDK has none by default, so a request
 * that stalls would hold its message until the function's own timeout; with these, it
 * fails as a `TimeoutError`, which the SDK retries and the queue retries after that.
 * `requestTimeout` is the longest silence on an open connection, not the whole transfer.
 *
 * @example
 * new S3ObjectStore(new S3Client({ requestHandler: storageTimeouts }));
 */
export const storageTimeouts = {
  connectionTimeout: 5_000,
  requestTimeout: 30_000,
  // Without it the SDK only warns when the timeout passes and keeps waiting.
  throwOnRequestTimeout: true,
};

/** S3 (or any S3-compatible endpoint) through the AWS SDK v3, with its default settings. */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly client: S3Client) {}

  async getObject(bucket: string, key: string, maxBytes: number): Promise<StoredObject> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = response.Body as Readable | undefined;
      if (response.ContentLength !== undefined && response.ContentLength > maxBytes) {
        body?.destroy();
        throw new ObjectTooLargeError(key, response.ContentLength, maxBytes);
      }
      return {
        bucket,
        key,
        bytes: body ? await readAtMost(body, key, maxBytes) : Buffer.alloc(0),
        etag: response.ETag,
        versionId: response.VersionId,
        contentType: response.ContentType,
        metadata: response.Metadata ?? {},
      };
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(bucket, key);
      throw error;
    }
  }

  async headObject(bucket: string, key: string): Promise<ObjectHead | undefined> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return {
        etag: response.ETag,
        versionId: response.VersionId,
        contentLength: response.ContentLength,
        metadata: response.Metadata ?? {},
      };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async putObject(bucket: string, key: string, body: Buffer, options: PutOptions): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: options.contentType,
        Metadata: options.metadata,
      }),
    );
  }

  async deleteObjects(bucket: string, keys: string[]): Promise<void> {
    // DeleteObjects takes at most 1000 keys per request.
    for (let start = 0; start < keys.length; start += 1000) {
      const batch = keys.slice(start, start + 1000);
      await this.client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
    }
  }
}

async function readAtMost(body: Readable, key: string, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      body.destroy();
      throw new ObjectTooLargeError(key, total, maxBytes);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

/** A missing key; a missing bucket is a set-up fault, left to surface and be retried. */
function isNotFound(error: unknown): boolean {
  return (
    error instanceof NoSuchKey ||
    error instanceof NotFound ||
    (error instanceof S3ServiceException && error.name === 'NoSuchKey')
  );
}
