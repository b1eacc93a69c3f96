import { DeleteObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';

import type { ObjectEvent } from '../../src/events/object-event.ts';
import { createHandler } from '../../src/lambda/create-handler.ts';
import type { LocalStack } from '../../src/local/local-stack.ts';
import { startQueueWorker } from '../../src/local/queue-worker.ts';
import { processObjectEvent, type PipelineDeps } from '../../src/pipeline/process-object-event.ts';
import { pipelineSettings, type PipelineSettings } from '../../src/pipeline/settings.ts';
import type { ObjectStore } from '../../src/storage/object-store.ts';
import { S3ObjectStore } from '../../src/storage/s3-object-store.ts';
import { type Fault, startFaultProxy } from '../support/fault-proxy.ts';
import { caseJson, pixelsOf } from '../support/fixtures.ts';
import { type MessageReport, startDeliveryStack, until } from '../support/local-delivery.ts';

const exampleBucket = 'example-upload-bucket';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(options: { visibilityTimeoutSeconds?: number } = {}) {
  const local = await startDeliveryStack({ worker: false, ...options });
  cleanups.push(() => local.stack.stop());
  await local.createBucket(exampleBucket);
  return local;
}

/** A worker like the stack's own, whose storage (and, when given, queue) go through `endpoint`. */
function startWorker(
  stack: LocalStack,
  endpoint: string,
  options: {
    settings?: Partial<PipelineSettings>;
    queueThroughEndpoint?: boolean;
    onDelivery?: (event: SQSEvent) => void;
    onReport?: (messages: MessageReport[]) => void;
  } = {},
) {
  const config = { region: stack.region, credentials: stack.credentials, endpoint };
  const s3 = new S3Client({
    ...config,
    forcePathStyle: true,
    requestHandler: { requestTimeout: 1_000, connectionTimeout: 1_000 },
  });
  const store = new S3ObjectStore(s3);
  const handler = createHandler(
    {
      source: store,
      destination: store,
      settings: pipelineSettings({
        destinationBucket: stack.destinationBucket,
        ...options.settings,
      }),
    },
    (report) => options.onReport?.(report.messages),
  );
  const sqs = options.queueThroughEndpoint ? new SQSClient(config) : stack.sqs;
  const worker = startQueueWorker({
    sqs,
    queueUrl: stack.queueUrl,
    queueArn: stack.queueArn,
    region: stack.region,
    batchSize: 10,
    invoke: async (event) => {
      options.onDelivery?.(event);
      return handler(event);
    },
  });
  return {
    async stop() {
      await worker.stop();
      s3.destroy();
    },
  };
}

function upstreamPort(stack: LocalStack): number {
  return Number(new URL(stack.endpoint).port);
}

/** A small image of one colour, so that every output shows which upload it came from. */
function solid(width: number, height: number, colour: [number, number, number]) {
  const [r, g, b] = colour;
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } })
    .png()
    .toBuffer();
}

describe('storage that fails, and workers that die', () => {
  it('makes no request at all for events about its own outputs in a shared bucket (case 18)', async () => {
    const local = await open();
    const proxy = await startFaultProxy(upstreamPort(local.stack), () => 'none');
    cleanups.push(() => proxy.stop());
    const reports: MessageReport[] = [];
    const worker = startWorker(local.stack, proxy.endpoint, {
      settings: { destinationBucket: exampleBucket },
      onReport: (messages) => reports.push(...messages),
    });
    cleanups.push(() => worker.stop());

    const id = await local.send(
      caseJson('18-recursive-trigger-same-bucket', 'event-own-output.json'),
    );
    await until(() => reports.some((report) => report.messageId === id));

    expect(reports[0]?.outcomes.map((outcome) => outcome.status)).toEqual([
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(proxy.requests.filter((request) => request.s3)).toEqual([]);
  });

  it('retries a transient failure through the queue into the dead-letter queue, and only that message', async () => {
    const local = await open({ visibilityTimeoutSeconds: 1 });
    const png = await solid(8, 8, [200, 30, 30]);
    await local.put(exampleBucket, 'retry/ok.png', png);
    await local.put(exampleBucket, 'retry/broken.png', png);
    const proxy = await startFaultProxy(upstreamPort(local.stack), (request) =>
      request.method === 'GET' && request.path.endsWith('/retry/broken.png') ? 'error-503' : 'none',
    );
    cleanups.push(() => proxy.stop());

    const event = (key: string) => ({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: exampleBucket }, object: { key } },
        },
      ],
    });
    const ok = await local.send(event('retry/ok.png'));
    const broken = await local.send(event('retry/broken.png'));
    const reports: MessageReport[] = [];
    const worker = startWorker(local.stack, proxy.endpoint, {
      onReport: (messages) => reports.push(...messages),
    });
    cleanups.push(() => worker.stop());

    await until(
      async () => (await local.queueCounts(local.stack.deadLetterQueueUrl)).visible === 1,
    );
    const ofBroken = reports.filter((report) => report.messageId === broken);
    expect(ofBroken).toHaveLength(3);
    for (const report of ofBroken) {
      expect(report.failures).toMatchObject([{ key: 'retry/broken.png', kind: 'transient' }]);
    }
    expect(reports.filter((report) => report.messageId === ok)).toMatchObject([
      { failed: false, outcomes: [{ status: 'processed' }] },
    ]);
    expect(
      await local.exists(local.stack.destinationBucket, 'retry/broken.png/metadata.json'),
    ).toBe(false);
  });

  it('leaves the newer upload outputs and record when an older one finishes writing after it', async () => {
    const local = await open();
    const { stack } = local;
    const direct = new S3ObjectStore(stack.s3);
    const settings = pipelineSettings({ destinationBucket: stack.destinationBucket });
    const key = 'race/cat.png';
    const older = await local.put(exampleBucket, key, await solid(40, 30, [220, 20, 20]));
    const newer = await solid(60, 20, [20, 20, 220]);

    // While the older version's first output is written, the newer one is uploaded and
    // processed to the end, as a second worker would.
    let interleaved = false;
    const interleaving: ObjectStore = {
      getObject: (...args) => direct.getObject(...args),
      headObject: (...args) => direct.headObject(...args),
      deleteObjects: (...args) => direct.deleteObjects(...args),
      async putObject(bucket, outputKey, body, options) {
        if (!interleaved) {
          interleaved = true;
          const etag = await local.put(exampleBucket, key, newer);
          const outcome = await processObjectEvent(eventFor(key, etag, '0002'), {
            source: direct,
            destination: direct,
            settings,
          });
          expect(outcome.status).toBe('processed');
        }
        await direct.putObject(bucket, outputKey, body, options);
      },
    };
    const deps: PipelineDeps = { source: interleaving, destination: interleaving, settings };
    const outcome = await processObjectEvent(eventFor(key, older, '0001'), deps);

    expect(outcome.status).toBe('processed');
    const record = await local.record(key);
    expect(record.source.etag).toBe(
      (
        await stack.s3.send(new HeadObjectCommand({ Bucket: exampleBucket, Key: key }))
      ).ETag?.replace(/"/g, ''),
    );
    expect(record.image).toMatchObject({ width: 60, height: 20 });
    await expectOutputsOfColour(local, record, [20, 20, 220]);
  });

  it('leaves nothing behind for a source deleted while its outputs were being written', async () => {
    const local = await open();
    const { stack } = local;
    const direct = new S3ObjectStore(stack.s3);
    const settings = pipelineSettings({ destinationBucket: stack.destinationBucket });
    const key = 'race/gone.png';
    const etag = await local.put(exampleBucket, key, await solid(40, 30, [20, 200, 20]));

    let deleted = false;
    const deleting: ObjectStore = {
      getObject: (...args) => direct.getObject(...args),
      headObject: (...args) => direct.headObject(...args),
      deleteObjects: (...args) => direct.deleteObjects(...args),
      async putObject(bucket, outputKey, body, options) {
        if (!deleted) {
          deleted = true;
          await stack.s3.send(new DeleteObjectCommand({ Bucket: exampleBucket, Key: key }));
          const removal = { ...eventFor(key, etag, '0002'), kind: 'removed' as const };
          await processObjectEvent(removal, { source: direct, destination: direct, settings });
        }
        await direct.putObject(bucket, outputKey, body, options);
      },
    };
    const outcome = await processObjectEvent(eventFor(key, etag, '0001'), {
      source: deleting,
      destination: deleting,
      settings,
    });

    expect(outcome).toEqual({ status: 'skipped', key, reason: 'deleted-while-processing' });
    expect(await local.keys(stack.destinationBucket, `${key}/`)).toEqual([]);
  });
});

function eventFor(key: string, etag: string, sequencer: string): ObjectEvent {
  return {
    kind: 'created',
    eventName: 'ObjectCreated:Put',
    bucket: exampleBucket,
    key,
    etag: etag.replace(/"/g, ''),
    sequencer,
  };
}

async function expectOutputsOfColour(
  local: Awaited<ReturnType<typeof startDeliveryStack>>,
  record: Record<string, any>,
  colour: [number, number, number],
) {
  expect(record.outputs).toHaveLength(13);
  for (const output of record.outputs as Array<{ key: string; width: number; height: number }>) {
    const pixels = await pixelsOf(
      (await local.read(local.stack.destinationBucket, output.key)).body,
    );
    expect([pixels.width, pixels.height]).toEqual([output.width, output.height]);
    const centre = pixels.at(Math.floor(pixels.width / 2), Math.floor(pixels.height / 2));
    for (const [index, value] of centre.entries()) {
      expect(Math.abs(value - (colour[index] ?? 0))).toBeLessThan(16);
    }
  }
}
