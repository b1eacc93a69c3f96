import { z } from 'zod';

import { decodeObjectKey } from './decode-object-key.ts';
import { type EventMessage, eventKind, type ObjectEvent } from './object-event.ts';

const s3Record = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      size: z.number().optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

const s3Notification = z.object({ Records: z.array(z.unknown()) });

const testEvent = z.object({ Event: z.literal('s3:TestEvent') });

const eventBridgeEvent = z.object({
  source: z.literal('aws.s3'),
  // Every S3 detail type is read; those that change no bytes become `other` events.
  'detail-type': z.string(),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({
      key: z.string(),
      size: z.number().optional(),
      etag: z.string().optional(),
      'version-id': z.string().optional(),
      sequencer: z.string().optional(),
    }),
  }),
});

const sqsRecord = z.object({
  eventSource: z.literal('aws:sqs'),
  messageId: z.string(),
  body: z.string(),
});

const snsEnvelope = z.object({ Type: z.literal('Notification'), Message: z.string() });

/**
 * Reads any invocation pixelater can receive into delivery units: S3 notifications sent
 * directly, through SQS, through SNS then SQS, and EventBridge events, directly or through
 * SQS. Nothing is dropped silently: what is not understood comes back as an `unrecognised`
 * message for the caller to log.
 *
 * @example
 * parseInvocation(sqsEvent); // [{ messageId: '...', events: [{ kind: 'created', key: ... }] }]
 */
export function parseInvocation(invocation: unknown): EventMessage[] {
  const records = s3Notification.safeParse(invocation);
  if (
    records.success &&
    records.data.Records.some((record) => sqsRecord.safeParse(record).success)
  ) {
    return records.data.Records.map(parseSqsRecord);
  }
  return [parsePayload(invocation)];
}

function parseSqsRecord(record: unknown): EventMessage {
  const parsed = sqsRecord.safeParse(record);
  if (!parsed.success)
    return { events: [], ignored: 'unrecognised', detail: 'an SQS batch entry with no body' };
  const { messageId, body } = parsed.data;
  const json = parseJson(body);
  const sns = snsEnvelope.safeParse(json);
  const payload = sns.success ? parseJson(sns.data.Message) : json;
  return { ...parsePayload(payload), messageId };
}

/** One S3 notification, test event or EventBridge event, whichever it is. */
function parsePayload(payload: unknown): EventMessage {
  if (testEvent.safeParse(payload).success) return { events: [], ignored: 'test-event' };

  const bridge = eventBridgeEvent.safeParse(payload);
  if (bridge.success) return { events: [fromEventBridge(bridge.data)] };

  const notification = s3Notification.safeParse(payload);
  if (notification.success) {
    const events: ObjectEvent[] = [];
    for (const record of notification.data.Records) {
      const parsed = s3Record.safeParse(record);
      if (!parsed.success) {
        return {
          events: [],
          ignored: 'unrecognised',
          detail: `a record that is not an S3 event: ${preview(record)}`,
        };
      }
      try {
        events.push(fromS3Record(parsed.data));
      } catch {
        return {
          events: [],
          ignored: 'unrecognised',
          detail: `a key that is not valid form-encoding: ${parsed.data.s3.object.key}`,
        };
      }
    }
    return { events };
  }
  return { events: [], ignored: 'unrecognised', detail: preview(payload) };
}

function fromS3Record(record: z.infer<typeof s3Record>): ObjectEvent {
  const { bucket, object } = record.s3;
  return {
    kind: eventKind(record.eventName),
    eventName: record.eventName,
    bucket: bucket.name,
    key: decodeObjectKey(object.key),
    size: object.size,
    etag: object.eTag,
    versionId: object.versionId,
    sequencer: object.sequencer,
  };
}

function fromEventBridge(event: z.infer<typeof eventBridgeEvent>): ObjectEvent {
  const { bucket, object } = event.detail;
  return {
    kind: eventKind(event['detail-type']),
    eventName: event['detail-type'],
    bucket: bucket.name,
    // LIMITATION: EventBridge keys are taken literally (a captured sample shows ':' not
    // encoded, where classic notifications send %3A); not yet confirmed against a live
    // event for keys with '+', spaces or '%'.
    key: object.key,
    size: object.size,
    etag: object.etag,
    versionId: object['version-id'],
    sequencer: object.sequencer,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
}
