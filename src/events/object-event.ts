export type ObjectEventKind = 'created' | 'removed' | 'other';

/**
 * The kind of an S3 event name, classic (`ObjectCreated:Copy`, `LifecycleExpiration:Delete`)
 * or EventBridge (`Object Created`, `Object Deleted`).
 *
 * @example
 * eventKind('ObjectCreated:CompleteMultipartUpload'); // 'created'
 * eventKind('ObjectTagging:Put'); // 'other'
 */
export function eventKind(eventName: string): ObjectEventKind {
  if (eventName.startsWith('ObjectCreated:') || eventName === 'Object Created') return 'created';
  if (
    eventName.startsWith('ObjectRemoved:') ||
    eventName.startsWith('LifecycleExpiration:') ||
    eventName === 'Object Deleted'
  )
    return 'removed';
  return 'other';
}

/** One thing that happened to one object, whatever envelope it arrived in. */
export interface ObjectEvent {
  /**
   * `created` for every ObjectCreated kind (Put, Post, Copy, CompleteMultipartUpload),
   * `removed` for deletions and lifecycle expirations, `other` for events that change no
   * bytes (tagging, ACLs, restores, storage-class transitions), which are skipped.
   */
  kind: ObjectEventKind;
  /** As AWS names it, for example `ObjectCreated:Put` or `Object Created`. */
  eventName: string;
  bucket: string;
  /** The decoded key, exactly as stored in the bucket. */
  key: string;
  size?: number;
  etag?: string;
  versionId?: string;
  /** S3's per-key ordering token: a later write of the same key has a greater one. */
  sequencer?: string;
}

/**
 * One delivery unit: an SQS message (retried as a whole), or the whole invocation when
 * S3 or EventBridge invoked the function directly.
 */
export interface EventMessage {
  /** The SQS message id, for partial batch responses; absent for direct invocations. */
  messageId?: string;
  events: ObjectEvent[];
  /** Set when the message carries nothing to process, with the reason. */
  ignored?: 'test-event' | 'unrecognised';
  /** What was not understood, for the log line. */
  detail?: string;
}

/**
 * Compares two S3 sequencers for the same key. They are hex strings of varying length:
 * pad the shorter with zeros on the right, then compare.
 *
 * @example
 * compareSequencers('0066A1B2C3D4E5F681', '0066A1B2C3D4E5F6A0'); // -1
 */
export function compareSequencers(a: string, b: string): number {
  const length = Math.max(a.length, b.length);
  const left = a.toUpperCase().padEnd(length, '0');
  const right = b.toUpperCase().padEnd(length, '0');
  return left < right ? -1 : left > right ? 1 : 0;
}
