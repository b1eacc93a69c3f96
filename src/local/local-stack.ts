import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import type { Server } from 'node:http';

import { ConfigurationError } from '../errors.ts';
import { createHandler } from '../lambda/create-handler.ts';
import type { InvocationReport } from '../pipeline/handle-invocation.ts';
import { pipelineSettings, type PipelineSettings } from '../pipeline/settings.ts';
import { S3ObjectStore, storageTimeouts } from '../storage/s3-object-store.ts';
import { startQueueWorker } from './queue-worker.ts';
import { type ObservedWrite, s3Notification } from './s3-notification.ts';
import { startWriteObserver } from './write-observer.ts';

export const localDefaults = {
  port: 4570,
  region: 'us-east-1',
  sourceBucket: 'pixelater-source-bucket',
  destinationBucket: 'pixelater-destination-bucket',
  queueName: 'pixelater-events',
  deadLetterQueueName: 'pixelater-events-dlq',
  /** Any credentials work; these are the ones printed for the user. */
  accessKeyId: 'pixelater',
  secretAccessKey: 'pixelater',
  /** Receives before a message goes to the dead-letter queue, as the deployed stack sets. */
  maxReceiveCount: 3,
  visibilityTimeoutSeconds: 5,
} as const;

export interface LocalStackOptions {
  /** 0 picks a free port. */
  port: number;
  settings?: Partial<PipelineSettings>;
  onReport?: (report: InvocationReport) => void;
  onWrite?: (write: ObservedWrite) => void;
  /**
   * Whether to run the queue worker (default true). Without it, events wait on the queue
   * for a worker started with `startQueueWorker` (tests that stop and restart workers).
   */
  worker?: boolean;
  /** How long a received message stays hidden before it is delivered again; 5 by default. */
  visibilityTimeoutSeconds?: number;
}

export interface LocalStack {
  endpoint: string;
  port: number;
  region: string;
  sourceBucket: string;
  destinationBucket: string;
  queueUrl: string;
  queueArn: string;
  deadLetterQueueUrl: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** An S3 client for this endpoint, with the SDK's default settings. */
  s3: S3Client;
  sqs: SQSClient;
  stop(): Promise<void>;
}

/**
 * pixelater's whole AWS path on one machine: an S3- and SQS-compatible endpoint with the
 * source and destination buckets, S3-shaped event notifications for every completed write
 * to the source bucket, sent through a queue with a dead-letter queue, and a worker that
 * hands each batch to the same handler AWS Lambda runs.
 *
 * @example
 * const stack = await startLocalStack({ port: 4570 });
 * // aws --endpoint-url http://127.0.0.1:4570 s3 cp cat.jpg s3://pixelater-source-bucket/
 * await stack.stop();
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const { region, sourceBucket, destinationBucket } = localDefaults;
  const settings = pipelineSettings({ destinationBucket, ...options.settings });
  assertNoLocalLoop(settings);
  const emulator = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' } as Parameters<
    typeof startFauxqs
  >[0]);
  emulator.createBucket(sourceBucket);
  emulator.createBucket(destinationBucket);
  const deadLetter = emulator.createQueue(localDefaults.deadLetterQueueName);
  const queue = emulator.createQueue(localDefaults.queueName, {
    attributes: {
      VisibilityTimeout: String(
        options.visibilityTimeoutSeconds ?? localDefaults.visibilityTimeoutSeconds,
      ),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: deadLetter.queueArn,
        maxReceiveCount: localDefaults.maxReceiveCount,
      }),
    },
  });

  const credentials = {
    accessKeyId: localDefaults.accessKeyId,
    secretAccessKey: localDefaults.secretAccessKey,
  };
  const inner = { region, credentials, endpoint: emulator.address };
  const innerS3 = new S3Client({ ...inner, forcePathStyle: true });
  const innerSqs = new SQSClient(inner);

  const notify = async (write: ObservedWrite) => {
    options.onWrite?.(write);
    if (write.eventName !== 'ObjectRemoved:Delete') {
      const head = await innerS3
        .send(new HeadObjectCommand({ Bucket: write.bucket, Key: write.key }))
        .catch(() => undefined);
      // The size is only known if the key still holds the bytes this write stored.
      if (head && (write.etag === undefined || head.ETag === write.etag)) {
        Object.assign(write, {
          size: head.ContentLength,
          etag: head.ETag,
          versionId: head.VersionId,
        });
      }
    }
    await innerSqs.send(
      new SendMessageCommand({
        QueueUrl: queue.queueUrl,
        MessageBody: JSON.stringify(s3Notification(write, region)),
      }),
    );
  };

  let front: Server;
  try {
    front = await startWriteObserver({
      port: options.port,
      upstreamPort: emulator.port,
      bucket: sourceBucket,
      onWrite: (write) => void notify(write).catch(() => undefined),
    });
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  const address = front.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const endpoint = `http://127.0.0.1:${port}`;

  const store = new S3ObjectStore(
    new S3Client({ ...inner, endpoint, requestHandler: storageTimeouts }),
  );
  const handler = createHandler({ source: store, destination: store, settings }, options.onReport);
  const worker =
    options.worker === false
      ? undefined
      : startQueueWorker({
          sqs: innerSqs,
          queueUrl: queue.queueUrl,
          queueArn: queue.queueArn,
          region,
          batchSize: 10,
          invoke: handler,
        });

  return {
    endpoint,
    port,
    region,
    sourceBucket,
    destinationBucket,
    queueUrl: queue.queueUrl,
    queueArn: queue.queueArn,
    deadLetterQueueUrl: deadLetter.queueUrl,
    credentials,
    s3: new S3Client({ region, credentials, endpoint }),
    sqs: innerSqs,
    async stop() {
      await worker?.stop();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      front.closeAllConnections();
      await emulator.stop();
    },
  };
}

/**
 * The stack sends an event for every write to its source bucket, whatever the prefix, so
 * outputs written there would be processed again.
 *
 * @throws {ConfigurationError} naming the setting to change.
 */
function assertNoLocalLoop(settings: PipelineSettings): void {
  const { sourceBucket, destinationBucket } = localDefaults;
  if (settings.destinationBucket !== sourceBucket) return;
  throw new ConfigurationError(
    `outputs would be written where they trigger processing again: the local stack sends an ` +
      `event for every write to '${sourceBucket}', and settings.destinationBucket is that ` +
      `bucket too. Set settings.destinationBucket to '${destinationBucket}' (the default).`,
  );
}
