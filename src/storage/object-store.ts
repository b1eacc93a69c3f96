/** An object read from a bucket, whole, with what identifies the version read. */
export interface StoredObject {
  bucket: string;
  key: string;
  bytes: Buffer;
  etag?: string;
  versionId?: string;
  contentType?: string;
  /** User metadata (`x-amz-meta-*`), names lower-case without the prefix. */
  metadata: Record<string, string>;
}

/** What a HEAD request tells about an object. */
export interface ObjectHead {
  etag?: string;
  versionId?: string;
  contentLength?: number;
  metadata: Record<string, string>;
}

export interface PutOptions {
  contentType: string;
  metadata?: Record<string, string>;
}

/**
 * The storage pixelater reads sources from and writes outputs to. It knows nothing of
 * images; S3 and a local folder both implement it.
 */
export interface ObjectStore {
  /**
   * Reads an object whole, refusing to read more than `maxBytes`.
   * @throws {ObjectNotFoundError} when there is no such object.
   * @throws {ObjectTooLargeError} when the object is larger than `maxBytes`.
   */
  getObject(bucket: string, key: string, maxBytes: number): Promise<StoredObject>;
  /** Undefined when there is no such object. */
  headObject(bucket: string, key: string): Promise<ObjectHead | undefined>;
  putObject(bucket: string, key: string, body: Buffer, options: PutOptions): Promise<void>;
  deleteObjects(bucket: string, keys: string[]): Promise<void>;
}

/** Thrown by `getObject` before the whole body is read, so a huge upload costs little. */
export class ObjectTooLargeError extends Error {
  override readonly name = 'ObjectTooLargeError';

  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`${key}: ${bytes} bytes or more is over the limit of ${maxBytes} bytes`);
  }
}

/** ETags arrive quoted from S3 responses and bare in event notifications. */
export function normaliseEtag(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}
