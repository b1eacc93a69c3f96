import { describe, expect, it } from 'vitest';

import { decodeObjectKey, encodeObjectKey } from '../../src/events/decode-object-key.ts';
import { compareSequencers, eventKind } from '../../src/events/object-event.ts';
import { parseInvocation } from '../../src/events/parse-invocation.ts';
import { caseJson } from '../support/fixtures.ts';

describe('object keys from notifications', () => {
  it('turns + into a space before percent-decoding, so a real + survives', () => {
    expect(decodeObjectKey('uploads/VJ9B4951+-+Copy+%282%29.jpg')).toBe(
      'uploads/VJ9B4951 - Copy (2).jpg',
    );
    expect(decodeObjectKey('uploads/c%2B%2B+logo%2Bv2.png')).toBe('uploads/c++ logo+v2.png');
  });

  it('decodes non-ASCII keys as UTF-8', () => {
    expect(decodeObjectKey('photos/caf%C3%A9+%E2%98%95.jpg')).toBe('photos/café ☕.jpg');
  });

  it('encodes keys the way S3 notifications do, the inverse of decoding', () => {
    for (const key of ['uploads/c++ logo+v2.png', 'a/b c/(1)%.jpg', 'caf\u00e9/\u2615.png']) {
      expect(decodeObjectKey(encodeObjectKey(key))).toBe(key);
    }
    expect(encodeObjectKey('a b/c+d.jpg')).toBe('a+b/c%2Bd.jpg');
  });
});

describe('invocation shapes', () => {
  it('reads every record of a direct S3 notification (case 16)', () => {
    const [message] = parseInvocation(
      caseJson('16-s3-key-space-plus-encoding', 'event-space-plus.json'),
    );
    expect(message?.messageId).toBeUndefined();
    expect(message?.events.map((event) => event.key)).toEqual([
      'uploads/VJ9B4951 - Copy (2).jpg',
      'uploads/c++ logo+v2.png',
    ]);
  });

  it('reads all three records of a batch, not just the first (case 20)', () => {
    const [message] = parseInvocation(
      caseJson('20-multi-record-batch', 'event-three-records.json'),
    );
    expect(message?.events.map((event) => event.key)).toEqual([
      'uploads/batch/a.jpg',
      'uploads/batch/notes.txt',
      'uploads/batch/c.png',
    ]);
  });

  it('acknowledges the s3:TestEvent as nothing to do (case 19)', () => {
    const messages = parseInvocation(caseJson('19-s3-test-event', 'event-s3-test-event.json'));
    expect(messages).toEqual([{ events: [], ignored: 'test-event' }]);
  });

  it('unwraps S3 events from SQS bodies and SNS envelopes, one message per SQS record (case 21)', () => {
    const viaSqs = parseInvocation(
      caseJson('21-sqs-sns-wrapped-events', 'event-sqs-wrapping-s3.json'),
    );
    expect(viaSqs.map((message) => message.messageId)).toEqual([
      '0f6d3a1c-0000-4000-8000-000000000001',
      '0f6d3a1c-0000-4000-8000-000000000002',
    ]);
    expect(viaSqs[0]?.events.map((event) => event.key)).toEqual(['uploads/queued/one.jpg']);
    expect(viaSqs[1]?.ignored).toBe('test-event');

    const viaSns = parseInvocation(caseJson('21-sqs-sns-wrapped-events', 'event-sqs-sns-s3.json'));
    expect(viaSns[0]?.events.map((event) => event.key)).toEqual(['uploads/queued/two three.png']);
  });

  it('takes EventBridge Object Created keys literally (case 22)', () => {
    const [message] = parseInvocation(
      caseJson('22-eventbridge-object-created', 'event-eventbridge-object-created.json'),
    );
    expect(message?.events).toMatchObject([
      {
        kind: 'created',
        bucket: 'example-upload-bucket',
        key: 'raw/2024-07-11T10:15:29.532432.jpg',
      },
    ]);
  });

  it('reports what it does not understand instead of dropping it', () => {
    const [message] = parseInvocation({ hello: 'world' });
    expect(message?.ignored).toBe('unrecognised');
    expect(message?.detail).toContain('hello');
  });

  it('reads every S3 event name as a creation, a removal, or a change of no bytes', () => {
    expect(
      [
        'ObjectCreated:Put',
        'ObjectCreated:Post',
        'ObjectCreated:Copy',
        'ObjectCreated:CompleteMultipartUpload',
        'Object Created',
      ].map(eventKind),
    ).toEqual(['created', 'created', 'created', 'created', 'created']);
    expect(
      [
        'ObjectRemoved:Delete',
        'ObjectRemoved:DeleteMarkerCreated',
        'LifecycleExpiration:Delete',
        'Object Deleted',
      ].map(eventKind),
    ).toEqual(['removed', 'removed', 'removed', 'removed']);
    expect(
      [
        'ObjectTagging:Put',
        'ObjectRestore:Completed',
        'LifecycleTransition',
        'Object ACL Updated',
      ].map(eventKind),
    ).toEqual(['other', 'other', 'other', 'other']);
  });

  it('marks ObjectRemoved records as removals', () => {
    const event = caseJson<{ Records: Array<{ eventName: string }> }>(
      '20-multi-record-batch',
      'event-three-records.json',
    );
    event.Records[0]!.eventName = 'ObjectRemoved:Delete';
    expect(parseInvocation(event)[0]?.events[0]?.kind).toBe('removed');
  });
});

describe('sequencers', () => {
  it('compare as hex after padding to equal length (case 23)', () => {
    expect(compareSequencers('0066A1B2C3D4E5F681', '0066A1B2C3D4E5F6A0')).toBe(-1);
    expect(compareSequencers('0066A1B2C3D4E5F6A0', '0066A1B2C3D4E5F681')).toBe(1);
    expect(compareSequencers('0066A1B2C3D4E5F6', '0066A1B2C3D4E5F600')).toBe(0);
  });
});
