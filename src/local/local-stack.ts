import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startFauxqs } from 'fauxqs';
import type { Server } from 'node:http';

import { createHandler } from '../lambda/create-handler.ts';
import type { InvocationReport } from '../pipeline/handle-invocation.ts';
import { pipelineSettings, type PipelineSettings } from '../pipeline/settings.ts';
import { S3ObjectStore } from '../storage/s3-object-store.ts';
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
}

export interface LocalStack {
  endpoint: string;
  port: number;
  region: string;
  sourceBucket: string;
  destinationBucket: string;
  queueUrl: string;
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
  const emulator = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' } as Parameters<
    typeof startFauxqs
  >[0]);
  emulator.createBucket(sourceBucket);
  emulator.createBucket(destinationBucket);
  const deadLetter = emulator.createQueue(localDefaults.deadLetterQueueName);
  const queue = emulator.createQueue(localDefaults.queueName, {
    attributes: {
      VisibilityTimeout: String(localDefaults.visibilityTimeoutSeconds),
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
      if (!head) return;
      Object.assign(write, {
        size: head.ContentLength,
        etag: head.ETag,
        versionId: head.VersionId,
      });
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

  const store = new S3ObjectStore(new S3Client({ ...inner, endpoint }));
  const settings = pipelineSettings({ destinationBucket, ...options.settings });
  const handler = createHandler({ source: store, destination: store, settings }, options.onReport);
  const worker = startQueueWorker({
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
    deadLetterQueueUrl: deadLetter.queueUrl,
    credentials,
    s3: new S3Client({ region, credentials, endpoint }),
    sqs: innerSqs,
    async stop() {
      await worker.stop();
      await new Promise<void>((resolve) => front.close(() => resolve()));
      front.closeAllConnections();
      await emulator.stop();
    },
  };
}
