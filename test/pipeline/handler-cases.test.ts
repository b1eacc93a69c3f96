import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';

import { caseBucket, destinationBucket } from '../support/case-bucket.ts';

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

async function open(caseId: string) {
  const bucket = await caseBucket(caseId);
  stop = () => bucket.endpoint.stop();
  return bucket;
}

describe('the Lambda handler on AWS-shaped events, against a real S3 endpoint', () => {
  it('processes keys with spaces, + and parentheses under their decoded names (case 16)', async () => {
    const { endpoint, handler, event } = await open('16-s3-key-space-plus-encoding');
    expect(await handler(event('event-space-plus.json'))).toEqual({ batchItemFailures: [] });

    const keys = await endpoint.keys(destinationBucket);
    expect(keys).toContain('uploads/VJ9B4951 - Copy (2).jpg/metadata.json');
    expect(keys).toContain('uploads/c++ logo+v2.png/w320.webp');
    expect(keys.filter((key) => /%28|%2B|\+v2\.png\/.*\+/.test(key))).toEqual([]);
    expect(keys).toHaveLength(2 * 14);
  });

  it('processes every record of a batch and rejects the text file without stopping (case 20)', async () => {
    const { endpoint, handler, event, reports } = await open('20-multi-record-batch');
    expect(await handler(event('event-three-records.json'))).toEqual({ batchItemFailures: [] });

    expect(reports[0]?.messages[0]?.outcomes.map((outcome) => outcome.status)).toEqual([
      'processed',
      'rejected',
      'processed',
    ]);
    const rejection = JSON.parse(
      (
        await endpoint.get(destinationBucket, 'uploads/batch/notes.txt/metadata.json')
      ).body.toString(),
    );
    expect(rejection).toMatchObject({
      status: 'rejected',
      source: { key: 'uploads/batch/notes.txt' },
      rejection: { check: 'not-an-image' },
    });
    expect(rejection.rejection.reason).toMatch(/^not an image \(starts with '/);

    const record = JSON.parse(
      (await endpoint.get(destinationBucket, 'uploads/batch/c.png/metadata.json')).body.toString(),
    );
    expect(record.status).toBe('processed');
    expect(record.outputs).toHaveLength(13);
    for (const output of record.outputs) {
      const written = await endpoint.get(destinationBucket, output.key);
      expect(written.contentType).toBe(output.contentType);
      expect(written.metadata['pixelater-role']).toBe('output');
      const metadata = await sharp(written.body).metadata();
      expect([metadata.width, metadata.height]).toEqual([output.width, output.height]);
    }
  });

  it('acknowledges the s3:TestEvent without touching storage (case 19)', async () => {
    const { endpoint, handler, event } = await open('20-multi-record-batch');
    const testEvent = (await import('../support/fixtures.ts')).caseJson(
      '19-s3-test-event',
      'event-s3-test-event.json',
    );
    expect(await handler(testEvent)).toEqual({ batchItemFailures: [] });
    expect(await endpoint.keys(destinationBucket)).toEqual([]);
    void event;
  });

  it('unwraps SQS and SNS envelopes and answers with per-message results (case 21)', async () => {
    const { endpoint, handler, event } = await open('21-sqs-sns-wrapped-events');
    expect(await handler(event('event-sqs-wrapping-s3.json'))).toEqual({ batchItemFailures: [] });
    expect(await handler(event('event-sqs-sns-s3.json'))).toEqual({ batchItemFailures: [] });
    const keys = await endpoint.keys(destinationBucket);
    expect(keys).toContain('uploads/queued/one.jpg/metadata.json');
    expect(keys).toContain('uploads/queued/two three.png/metadata.json');
  });

  it('processes an EventBridge Object Created event (case 22)', async () => {
    const { endpoint, handler, event } = await open('22-eventbridge-object-created');
    await handler(event('event-eventbridge-object-created.json'));
    expect(await endpoint.keys(destinationBucket)).toContain(
      'raw/2024-07-11T10:15:29.532432.jpg/metadata.json',
    );
  });

  it('returns only the message whose object could not be read as a batch item failure', async () => {
    const { handler, event, reports } = await open('21-sqs-sns-wrapped-events');
    const batch = event('event-sqs-wrapping-s3.json') as {
      Records: Array<{ messageId: string; body: string }>;
    };
    const broken = structuredClone(batch.Records[0]!);
    broken.messageId = 'message-for-a-missing-bucket';
    broken.body = broken.body
      .replace(/example-upload-bucket/g, 'no-such-bucket')
      .replace('one.jpg', 'other.jpg');
    batch.Records.push(broken);
    expect(await handler(batch)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'message-for-a-missing-bucket' }],
    });
    // A missing bucket is the set-up's fault, not a passing one: the log says so.
    expect(reports[0]?.messages.at(-1)?.failures).toMatchObject([
      { key: 'uploads/queued/other.jpg', kind: 'refused' },
    ]);
  });
});
