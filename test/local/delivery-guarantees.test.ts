import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { logger } from '../../src/log.ts';
import { settingsFromEnvironment } from '../../src/lambda/settings-from-environment.ts';
import { localDefaults, startLocalStack } from '../../src/local/local-stack.ts';
import type { ObservedWrite } from '../../src/local/s3-notification.ts';
import { caseFile, caseJson, fixture } from '../support/fixtures.ts';
import { startDeliveryStack, until } from '../support/local-delivery.ts';

const exampleBucket = 'example-upload-bucket';
const writes: ObservedWrite[] = [];
let local: Awaited<ReturnType<typeof startDeliveryStack>>;

beforeAll(async () => {
  local = await startDeliveryStack({ onWrite: (write) => writes.push(write) });
  // The bucket the cases' events name; writes to it send no events, so each test delivers
  // exactly the AWS-shaped messages it means to.
  await local.createBucket(exampleBucket);
});
afterAll(async () => {
  await local.stack.stop();
});

async function putCaseObjects(caseId: string) {
  const manifest = caseJson<{ objects: Array<{ key: string; file: string }> }>(
    caseId,
    'bucket-manifest.json',
  );
  for (const object of manifest.objects) {
    await local.put(exampleBucket, object.key, await readFile(caseFile(caseId, object.file)));
  }
}

function sqsBodies(caseId: string, name: string): string[] {
  return caseJson<{ Records: Array<{ body: string }> }>(caseId, name).Records.map((r) => r.body);
}

function statuses(report: { outcomes: Array<{ status: string }> }) {
  return report.outcomes.map((outcome) => outcome.status);
}

/** A classic S3 notification for one object, as S3 sends it to a queue. */
function s3Event(eventName: string, key: string, object: Record<string, unknown> = {}) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName,
        s3: {
          s3SchemaVersion: '1.0',
          bucket: { name: exampleBucket, arn: `arn:aws:s3:::${exampleBucket}` },
          object: { key, sequencer: '0066A1B2C3D4E5F700', ...object },
        },
      },
    ],
  };
}

function eventBridge(detailType: string, key: string) {
  const event = caseJson<any>(
    '22-eventbridge-object-created',
    'event-eventbridge-object-created.json',
  );
  event['detail-type'] = detailType;
  event.detail.object.key = key;
  return event;
}

describe('every event shape, delivered through the local queue', () => {
  it('processes S3 notifications sent through SQS, and through SNS then SQS (cases 16, 21)', async () => {
    await putCaseObjects('16-s3-key-space-plus-encoding');
    await putCaseObjects('21-sqs-sns-wrapped-events');

    const direct = await local.deliver(
      caseJson('16-s3-key-space-plus-encoding', 'event-space-plus.json'),
    );
    expect(statuses(direct)).toEqual(['processed', 'processed']);
    const [viaSqs, testEvent] = sqsBodies(
      '21-sqs-sns-wrapped-events',
      'event-sqs-wrapping-s3.json',
    );
    expect(statuses(await local.deliver(viaSqs))).toEqual(['processed']);
    expect((await local.deliver(testEvent)).outcomes).toEqual([]);
    const [viaSns] = sqsBodies('21-sqs-sns-wrapped-events', 'event-sqs-sns-s3.json');
    expect(statuses(await local.deliver(viaSns))).toEqual(['processed']);

    for (const key of [
      'uploads/VJ9B4951 - Copy (2).jpg',
      'uploads/c++ logo+v2.png',
      'uploads/queued/one.jpg',
      'uploads/queued/two three.png',
    ]) {
      expect(await local.record(key)).toMatchObject({ status: 'processed', source: { key } });
    }
  });

  it('processes an EventBridge Object Created and erases its outputs on Object Deleted (case 22)', async () => {
    await putCaseObjects('22-eventbridge-object-created');
    const key = 'raw/2024-07-11T10:15:29.532432.jpg';
    const created = await local.deliver(
      caseJson('22-eventbridge-object-created', 'event-eventbridge-object-created.json'),
    );
    expect(statuses(created)).toEqual(['processed']);
    expect(await local.keys(local.stack.destinationBucket, `${key}/`)).toHaveLength(14);

    await local.stack.s3.send(new DeleteObjectCommand({ Bucket: exampleBucket, Key: key }));
    const deleted = await local.deliver(eventBridge('Object Deleted', key));
    expect(deleted.outcomes).toEqual([{ status: 'removed', key, deleted: 14 }]);
    expect(await local.keys(local.stack.destinationBucket, `${key}/`)).toEqual([]);
  });

  it('acknowledges the s3:TestEvent and writes nothing (case 19)', async () => {
    const report = await local.deliver(caseJson('19-s3-test-event', 'event-s3-test-event.json'));
    expect(report).toMatchObject({ outcomes: [], failed: false });
    await until(async () => (await local.queueCounts()).inFlight === 0);
    expect(await local.queueCounts(local.stack.deadLetterQueueUrl)).toEqual({
      visible: 0,
      inFlight: 0,
    });
  });

  it('says in one log line what it did not understand, and acknowledges the message', async () => {
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
    // Tests run with logging off (vitest.config.ts); this one reads the log.
    const level = logger.getLevelName();
    logger.setLogLevel('INFO');
    try {
      const report = await local.deliver({ detail: 'an order was placed', orderId: 42 });
      expect(report).toMatchObject({ outcomes: [], failed: false });
    } finally {
      logger.setLogLevel(level);
      out.mockRestore();
      err.mockRestore();
    }
    const unrecognised = lines
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('message.unrecognised'));
    expect(unrecognised).toHaveLength(1);
    expect(JSON.parse(unrecognised[0]!)).toMatchObject({
      event: 'message.unrecognised',
      level: 'WARN',
    });
    expect(unrecognised[0]).toContain('an order was placed');
  });

  it('processes every ObjectCreated kind: Put, Copy and CompleteMultipartUpload as the endpoint sees them, and Post', async () => {
    const { s3, sourceBucket } = local.stack;
    const png = await fixture('tiny_2x2.png');
    await local.put(sourceBucket, 'kinds/put.png', png);
    await s3.send(
      new CopyObjectCommand({
        Bucket: sourceBucket,
        Key: 'kinds/copy.png',
        CopySource: `${sourceBucket}/kinds/put.png`,
      }),
    );
    const upload = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: sourceBucket, Key: 'kinds/multipart.png' }),
    );
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: sourceBucket,
        Key: 'kinds/multipart.png',
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: png,
      }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: sourceBucket,
        Key: 'kinds/multipart.png',
        UploadId: upload.UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
      }),
    );
    // A browser form upload (POST) reaches the endpoint in a way it does not observe; the
    // event is delivered as S3 sends it.
    await local.put(exampleBucket, 'kinds/post.png', png);
    expect(statuses(await local.deliver(s3Event('ObjectCreated:Post', 'kinds/post.png')))).toEqual([
      'processed',
    ]);

    expect(
      writes.filter((write) => write.key.startsWith('kinds/')).map((w) => w.eventName),
    ).toEqual(['ObjectCreated:Put', 'ObjectCreated:Copy', 'ObjectCreated:CompleteMultipartUpload']);
    for (const name of ['put', 'copy', 'multipart', 'post']) {
      await until(() =>
        local.exists(local.stack.destinationBucket, `kinds/${name}.png/metadata.json`),
      );
      const record = await local.record(`kinds/${name}.png`);
      expect(record).toMatchObject({ status: 'processed', image: { width: 2, height: 2 } });
      expect(record.outputs).toHaveLength(13);
    }
  });

  it('skips zero-byte folder placeholders, from notifications and from EventBridge', async () => {
    const placeholder = 'albums/2024/';
    await local.put(local.stack.sourceBucket, placeholder, '');
    await until(() =>
      local.reports.some((report) =>
        report.outcomes.some((outcome) => outcome.key === placeholder),
      ),
    );
    const fromBridge = await local.deliver(eventBridge('Object Created', 'raw/'));

    expect(fromBridge.outcomes).toEqual([
      { status: 'skipped', key: 'raw/', reason: 'folder-placeholder' },
    ]);
    const fromS3 = local.reports
      .flatMap((report) => report.outcomes)
      .find((o) => o.key === placeholder);
    expect(fromS3).toEqual({ status: 'skipped', key: placeholder, reason: 'folder-placeholder' });
    expect(await local.keys(local.stack.destinationBucket, 'albums/')).toEqual([]);
  });

  it('skips events that change no bytes, such as tagging and restores', async () => {
    await local.put(exampleBucket, 'tagged/cat.png', await fixture('tiny_2x2.png'));
    const tagged = await local.deliver(s3Event('ObjectTagging:Put', 'tagged/cat.png'));
    const restored = await local.deliver(eventBridge('Object Restore Completed', 'tagged/cat.png'));
    for (const report of [tagged, restored]) {
      expect(report.outcomes).toEqual([
        { status: 'skipped', key: 'tagged/cat.png', reason: 'not-a-content-change' },
      ]);
    }
    expect(await local.keys(local.stack.destinationBucket, 'tagged/')).toEqual([]);
  });
});

describe('exactly-once results', () => {
  it('writes nothing new for a duplicate and never lets a stale redelivery replace a newer upload (case 23)', async () => {
    const caseId = '23-duplicate-and-out-of-order-delivery';
    const key = 'uploads/dup/cat.jpg';
    const destination = local.stack.destinationBucket;
    const invocation = (name: string) => caseJson(caseId, name);

    // The endpoint keeps no versions: each version is current while its own events arrive.
    await local.put(exampleBucket, key, await readFile(caseFile(caseId, 'objects/obj01.jpg')));
    expect(statuses(await local.deliver(invocation('invocation-1.json')))).toEqual(['processed']);
    const first = await local.read(destination, `${key}/metadata.json`);
    const firstKeys = await local.keys(destination, `${key}/`);
    const firstPixels = await local.read(destination, `${key}/pixelated-grid-16.jpg`);

    const duplicate = await local.deliver(invocation('invocation-2-duplicate-of-1.json'));
    expect(duplicate.outcomes).toEqual([{ status: 'skipped', key, reason: 'duplicate' }]);
    expect(await local.keys(destination, `${key}/`)).toEqual(firstKeys);
    expect((await local.read(destination, `${key}/metadata.json`)).body).toEqual(first.body);
    expect((await local.read(destination, `${key}/pixelated-grid-16.jpg`)).body).toEqual(
      firstPixels.body,
    );

    await local.put(exampleBucket, key, await readFile(caseFile(caseId, 'objects/obj02.jpg')));
    expect(statuses(await local.deliver(invocation('invocation-3-newer-overwrite.json')))).toEqual([
      'processed',
    ]);
    const newer = await local.read(destination, `${key}/metadata.json`);
    const late = await local.deliver(invocation('invocation-4-late-redelivery-of-1.json'));
    expect(late.outcomes).toEqual([{ status: 'skipped', key, reason: 'stale' }]);

    expect((await local.read(destination, `${key}/metadata.json`)).body).toEqual(newer.body);
    expect(await local.record(key)).toMatchObject({
      source: {
        etag: 'b62eec86d9de45df518f4b8bfc360d99',
        bytes: 1324,
        sequencer: '0066A1B2C3D4E5F6A0',
      },
    });
    expect(await local.keys(destination, `${key}/`)).toEqual(firstKeys);
  });

  it('skips an event whose object was overwritten since, leaving it to the newer event', async () => {
    const first = await local.put(exampleBucket, 'over/cat.png', await fixture('tiny_2x2.png'));
    await local.put(exampleBucket, 'over/cat.png', await fixture('Landscape_1.jpg'));
    const report = await local.deliver(
      s3Event('ObjectCreated:Put', 'over/cat.png', { eTag: first.replace(/"/g, '') }),
    );
    expect(report.outcomes).toEqual([
      { status: 'skipped', key: 'over/cat.png', reason: 'superseded' },
    ]);
    expect(await local.keys(local.stack.destinationBucket, 'over/')).toEqual([]);
  });

  it('records a file that is not an image as rejected and acknowledges it, beside the images of its batch (case 20)', async () => {
    await putCaseObjects('20-multi-record-batch');
    const report = await local.deliver(
      caseJson('20-multi-record-batch', 'event-three-records.json'),
    );
    expect(statuses(report)).toEqual(['processed', 'rejected', 'processed']);
    expect(report.failed).toBe(false);
    expect(await local.record('uploads/batch/notes.txt')).toMatchObject({
      status: 'rejected',
      rejection: { check: 'not-an-image' },
    });
    await until(async () => (await local.queueCounts()).inFlight === 0);
    expect((await local.queueCounts(local.stack.deadLetterQueueUrl)).visible).toBe(0);
  });

  it('erases the outputs of an image overwritten by a file that is not one', async () => {
    const { sourceBucket, destinationBucket } = local.stack;
    await local.put(sourceBucket, 'swap/photo.png', await fixture('tiny_2x2.png'));
    await until(() => local.exists(destinationBucket, 'swap/photo.png/metadata.json'));
    await local.put(sourceBucket, 'swap/photo.png', 'plain text, not a picture');
    await until(async () => (await local.record('swap/photo.png')).status === 'rejected');
    expect(await local.keys(destinationBucket, 'swap/')).toEqual(['swap/photo.png/metadata.json']);
  });

  it('erases outputs and record when sources are deleted, one by one or many at once, but not when the key exists again', async () => {
    const { s3, sourceBucket, destinationBucket } = local.stack;
    const png = await fixture('tiny_2x2.png');
    for (const name of ['a', 'b', 'c']) await local.put(sourceBucket, `erase/${name}.png`, png);
    for (const name of ['a', 'b', 'c'])
      await until(() => local.exists(destinationBucket, `erase/${name}.png/metadata.json`));

    await s3.send(
      new DeleteObjectsCommand({
        Bucket: sourceBucket,
        Delete: { Objects: [{ Key: 'erase/a.png' }, { Key: 'erase/b.png' }] },
      }),
    );
    await until(async () => (await local.keys(destinationBucket, 'erase/')).length === 14);
    expect(await local.keys(destinationBucket, 'erase/')).toEqual(
      (await local.keys(destinationBucket, 'erase/c.png/')).sort(),
    );

    // A delete delivered after the key was written again must not erase the new outputs.
    await local.put(exampleBucket, 'erase/c.png', png);
    const late = await local.deliver({
      ...s3Event('ObjectRemoved:Delete', 'erase/c.png', { sequencer: 'FF' }),
      Records: s3Event('ObjectRemoved:Delete', 'erase/c.png', { sequencer: 'FF' }).Records.map(
        (record) => ({ ...record, s3: { ...record.s3, bucket: { name: sourceBucket } } }),
      ),
    });
    expect(late.outcomes).toEqual([
      { status: 'skipped', key: 'erase/c.png', reason: 'source-still-exists' },
    ]);
    expect(await local.keys(destinationBucket, 'erase/c.png/')).toHaveLength(14);
  });
});

describe('never looping', () => {
  it('refuses at start-up a deployment whose outputs land where they trigger it (case 18)', () => {
    const config = caseJson<{ sourceBucket: string; destinationBucket: string }>(
      '18-recursive-trigger-same-bucket',
      'deployment-config.json',
    );
    expect(() =>
      settingsFromEnvironment({
        SOURCE_BUCKET: config.sourceBucket,
        DESTINATION_BUCKET: config.destinationBucket,
      }),
    ).toThrow(/Set DESTINATION_BUCKET to another bucket, or SOURCE_PREFIX and DESTINATION_PREFIX/);
    expect(() =>
      settingsFromEnvironment({
        SOURCE_BUCKET: config.sourceBucket,
        SOURCE_PREFIX: 'uploads/',
        DESTINATION_BUCKET: config.destinationBucket,
        DESTINATION_PREFIX: 'derived/',
      }),
    ).not.toThrow();
  });

  it('refuses to start a local stack that writes outputs into its source bucket', async () => {
    await expect(
      startLocalStack({ port: 0, settings: { destinationBucket: localDefaults.sourceBucket } }),
    ).rejects.toThrow(/Set settings\.destinationBucket to 'pixelater-destination-bucket'/);
  });

  it('refuses a CLI output folder inside a source folder, naming --out', async () => {
    const cli = new URL('../../bin/pixelater.js', import.meta.url).pathname;
    const folder = caseFile('20-multi-record-batch', 'objects');
    const run = promisify(execFile)(process.execPath, [
      cli,
      'process',
      folder,
      '--out',
      `${folder}/out`,
    ]);
    const failed = (await run.then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    )) as { code: number; stderr: string };
    expect(failed.code).toBe(2);
    expect(failed.stderr).toMatch(/--out .* overlap\. Choose an --out folder outside/);
  });

  it('never processes an object that carries the output marker, wherever it lands', async () => {
    const output = await fixture('tiny_2x2.png');
    await local.put(local.stack.sourceBucket, 'copied/w320.jpg', output, {
      'pixelater-role': 'output',
    });
    await until(() =>
      local.reports.some((report) => report.outcomes.some((o) => o.key === 'copied/w320.jpg')),
    );
    const outcome = local.reports
      .flatMap((r) => r.outcomes)
      .find((o) => o.key === 'copied/w320.jpg');
    expect(outcome).toEqual({ status: 'skipped', key: 'copied/w320.jpg', reason: 'own-output' });
    expect(await local.keys(local.stack.destinationBucket, 'copied/')).toEqual([]);
  });
});
