import { GetObjectCommand, ListObjectsV2Command, type _Object } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';

import { parseInvocation } from '../events/parse-invocation.ts';
import type { LocalStack } from '../local/local-stack.ts';
import type { MetadataRecord } from '../record/metadata-record.ts';
import { recordKey, recordName } from '../record/output-keys.ts';
import { normaliseEtag } from '../storage/object-store.ts';
import type { DeliveryFailures } from './delivery-failures.ts';

/** Where a source stands: no up-to-date record yet, a record either way, or dead-lettered. */
export const SourceStatus = {
  waiting: 'waiting',
  processed: 'processed',
  rejected: 'rejected',
  failed: 'failed',
} as const;
export type SourceStatus = (typeof SourceStatus)[keyof typeof SourceStatus];

/** One object of the source bucket, as the gallery lists it. */
export interface SourceSummary {
  key: string;
  bytes: number;
  uploadedAt: string;
  etag: string;
  status: SourceStatus;
  /** Why it was rejected or failed. */
  reason?: string;
  /** Key of its record in the destination bucket, once there is an up-to-date one. */
  recordKey?: string;
  /** ETag of that record: it changes when the source is processed again. */
  recordEtag?: string;
  /** Key of its smallest resized JPEG in the destination bucket, for a thumbnail. */
  thumbnailKey?: string;
}

/** One message of the dead-letter queue, with what it was about and why it died. */
export interface DeadLetter {
  messageId: string;
  keys: string[];
  sentAt?: string;
  attempts?: number;
  reason: string;
}

export interface GalleryState {
  sourceBucket: string;
  destinationBucket: string;
  sources: SourceSummary[];
  deadLetters: { count: number; shown: DeadLetter[] };
}

interface CachedRecord {
  etag: string;
  record: MetadataRecord | undefined;
}

/**
 * Reads what the local stack holds into what the gallery page shows: every source, newest
 * first, joined with its metadata record, and the dead-letter queue. Records are fetched
 * again only when their ETag changes, so polling a bucket of hundreds of images costs two
 * listings and a queue peek.
 *
 * @example
 * const reader = new GalleryReader(stack, new DeliveryFailures());
 * (await reader.read()).sources[0]; // { key: 'cat.jpg', status: 'processed', ... }
 */
export class GalleryReader {
  readonly #records = new Map<string, CachedRecord>();

  constructor(
    readonly stack: LocalStack,
    readonly failures: DeliveryFailures,
    /** The pipeline's DESTINATION_PREFIX; the local stack writes with none. */
    readonly destinationPrefix = '',
  ) {}

  // LIMITATION: both buckets are listed in full on every read (the page reads once a second):
  // fine for hundreds of sources, slow for many thousands.
  async read(): Promise<GalleryState> {
    const { sourceBucket, destinationBucket } = this.stack;
    const [objects, recordObjects, deadLetters] = await Promise.all([
      this.#list(sourceBucket, ''),
      this.#list(destinationBucket, this.destinationPrefix),
      this.#peekDeadLetters(),
    ]);
    const records = new Map(
      recordObjects
        .filter((object) => object.Key?.endsWith(`/${recordName}`))
        .map((object) => [object.Key ?? '', normaliseEtag(object.ETag ?? '')]),
    );
    const deadKeys = new Map(
      deadLetters.shown.flatMap((letter) => letter.keys.map((key) => [key, letter.reason])),
    );

    const sources = await Promise.all(
      objects.map((object) => this.#summarise(object, records, deadKeys)),
    );
    sources.sort((a, b) => b.uploadedAt.localeCompare(a.uploadedAt) || a.key.localeCompare(b.key));
    this.#forgetRecordsNotIn(records);
    return { sourceBucket, destinationBucket, sources, deadLetters };
  }

  async #summarise(
    object: _Object,
    records: Map<string, string>,
    deadKeys: Map<string, string>,
  ): Promise<SourceSummary> {
    const key = object.Key ?? '';
    const etag = normaliseEtag(object.ETag ?? '');
    const summary: SourceSummary = {
      key,
      bytes: object.Size ?? 0,
      uploadedAt: (object.LastModified ?? new Date(0)).toISOString(),
      etag,
      status: SourceStatus.waiting,
    };
    const deadReason = deadKeys.get(key);
    if (deadReason) Object.assign(summary, { status: SourceStatus.failed, reason: deadReason });

    // LIMITATION: an object the pipeline skips (one carrying pixelater's own role metadata)
    // never gets a record, so it stays listed as waiting.
    const keyOfRecord = recordKey(this.destinationPrefix, key);
    const recordEtag = records.get(keyOfRecord);
    if (recordEtag === undefined) return summary;
    const record = await this.#record(keyOfRecord, recordEtag);
    // A record of an earlier upload of the same key: the new bytes are still on their way.
    if (!record || (record.source.etag && normaliseEtag(record.source.etag) !== etag)) {
      return summary;
    }

    summary.recordKey = keyOfRecord;
    summary.recordEtag = recordEtag;
    if (record.status === 'rejected') {
      return { ...summary, status: SourceStatus.rejected, reason: record.rejection.reason };
    }
    // Detection failed and the queue retries it: still waiting, with the reason.
    if (record.status === 'failed') return { ...summary, reason: record.failure.reason };
    const thumbnail = record.outputs
      .filter(
        (output) => output.contentType === 'image/jpeg' && !output.name.startsWith('pixelated-'),
      )
      .sort((a, b) => a.width - b.width)[0];
    return { ...summary, status: SourceStatus.processed, thumbnailKey: thumbnail?.key };
  }

  async #record(key: string, etag: string): Promise<MetadataRecord | undefined> {
    const cached = this.#records.get(key);
    if (cached?.etag === etag) return cached.record;
    const response = await this.stack.s3
      .send(new GetObjectCommand({ Bucket: this.stack.destinationBucket, Key: key }))
      .catch(() => undefined);
    const text = await response?.Body?.transformToString();
    let record: MetadataRecord | undefined;
    try {
      record = text === undefined ? undefined : (JSON.parse(text) as MetadataRecord);
    } catch {
      record = undefined;
    }
    this.#records.set(key, { etag, record });
    return record;
  }

  #forgetRecordsNotIn(records: Map<string, string>) {
    for (const key of this.#records.keys()) if (!records.has(key)) this.#records.delete(key);
  }

  async #list(bucket: string, prefix: string): Promise<_Object[]> {
    const objects: _Object[] = [];
    let token: string | undefined;
    do {
      const page = await this.stack.s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      objects.push(...(page.Contents ?? []));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return objects;
  }

  // LIMITATION: SQS has no way to look at a queue without receiving from it. The gallery
  // receives with a visibility timeout of 0, which leaves the messages on the queue but
  // shows at most the 10 that one receive returns; the count shown is the queue's own.
  async #peekDeadLetters(): Promise<GalleryState['deadLetters']> {
    const { sqs, deadLetterQueueUrl } = this.stack;
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: deadLetterQueueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    const count =
      Number(attributes.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(attributes.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0);
    if (count === 0) return { count, shown: [] };
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    const shown = (received.Messages ?? []).map((message): DeadLetter => {
      const messageId = message.MessageId ?? '';
      const [parsed] = parseInvocation({
        Records: [{ eventSource: 'aws:sqs', messageId, body: message.Body ?? '' }],
      });
      const failure = this.failures.of(messageId);
      const sent = Number(message.Attributes?.SentTimestamp);
      return {
        messageId,
        keys: parsed?.events.map((event) => event.key) ?? [],
        sentAt: Number.isFinite(sent) ? new Date(sent).toISOString() : undefined,
        attempts: failure?.attempts,
        reason: failure
          ? failure.errors.join('; ')
          : parsed?.ignored
            ? `not an event pixelater understands (${parsed.detail ?? parsed.ignored})`
            : 'the handler failed on it before this gallery started, so the error is not known',
      };
    });
    return { count: Math.max(count, shown.length), shown };
  }
}
