import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';

import {
  type LocalStack,
  type LocalStackOptions,
  startLocalStack,
} from '../../src/local/local-stack.ts';
import type { InvocationReport } from '../../src/pipeline/handle-invocation.ts';

export type MessageReport = InvocationReport['messages'][number];

/**
 * The local stack with every handler report kept, and the means to deliver AWS-shaped
 * messages to its queue and wait for what the worker made of them.
 */
export async function startDeliveryStack(options: Partial<LocalStackOptions> = {}) {
  const reports: MessageReport[] = [];
  const stack = await startLocalStack({
    port: 0,
    ...options,
    onReport: (report) => {
      reports.push(...report.messages);
      options.onReport?.(report);
    },
  });
  return { stack, reports, ...deliveryTools(stack, reports) };
}

function deliveryTools(stack: LocalStack, reports: MessageReport[]) {
  const { s3, sqs } = stack;

  async function send(body: unknown): Promise<string> {
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.queueUrl,
        MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
    return sent.MessageId ?? '';
  }

  /** Every report for the message, once one says it succeeded. */
  async function settled(messageId: string, timeoutMs = 20_000): Promise<MessageReport[]> {
    await until(() => reports.some((r) => r.messageId === messageId && !r.failed), timeoutMs);
    return reports.filter((report) => report.messageId === messageId);
  }

  /** Sends one message and waits until the worker has handled it successfully. */
  async function deliver(body: unknown): Promise<MessageReport> {
    const handled = await settled(await send(body));
    return handled[handled.length - 1] as MessageReport;
  }

  async function queueCounts(queueUrl = stack.queueUrl) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );
    return {
      visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    };
  }

  async function keys(bucket: string, prefix = ''): Promise<string[]> {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const listed = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
      found.push(...(listed.Contents ?? []).map((object) => object.Key ?? ''));
      token = listed.NextContinuationToken;
    } while (token);
    return found.sort();
  }

  async function read(bucket: string, key: string) {
    const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return {
      body: Buffer.from(await response.Body!.transformToByteArray()),
      etag: response.ETag,
      metadata: response.Metadata ?? {},
    };
  }

  async function record(key: string): Promise<Record<string, any>> {
    const { body } = await read(stack.destinationBucket, `${key}/metadata.json`);
    return JSON.parse(body.toString('utf8'));
  }

  async function exists(bucket: string, key: string): Promise<boolean> {
    return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
      () => true,
      () => false,
    );
  }

  async function put(bucket: string, key: string, body: Buffer | string, metadata = {}) {
    const written = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, Metadata: metadata }),
    );
    return written.ETag ?? '';
  }

  async function createBucket(name: string) {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  }

  return { send, settled, deliver, queueCounts, keys, read, record, exists, put, createBucket };
}

/** Polls `condition` every 50 ms until it holds; fails the test after `timeoutMs`. */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
