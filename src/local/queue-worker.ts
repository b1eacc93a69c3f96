import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** The Lambda event source mapping, locally: poll the queue, invoke, delete what succeeded. */
export interface QueueWorker {
  stop(): Promise<void>;
}

/**
 * Polls `queueUrl` and hands each batch to `invoke` as the SQS event Lambda would send.
 * Messages reported in `batchItemFailures` (or the whole batch, if `invoke` throws) stay on
 * the queue, become visible again after the visibility timeout, and reach the dead-letter
 * queue after the redrive policy's receive count, exactly as in AWS.
 */
export function startQueueWorker(options: {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  batchSize: number;
  invoke: (event: SQSEvent) => Promise<SQSBatchResponse>;
}): QueueWorker {
  const { sqs, queueUrl } = options;
  const abort = new AbortController();

  const loop = (async () => {
    while (!abort.signal.aborted) {
      let messages: Message[] = [];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: options.batchSize,
            WaitTimeSeconds: 1,
            MessageSystemAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        messages = received.Messages ?? [];
      } catch {
        if (abort.signal.aborted) return;
        await new Promise((resolve) => setTimeout(resolve, 250));
        continue;
      }
      if (messages.length === 0) continue;

      const event: SQSEvent = {
        Records: messages.map((message) => toLambdaRecord(message, options)),
      };
      let failed: Set<string>;
      try {
        const report = await options.invoke(event);
        failed = new Set(report.batchItemFailures.map((failure) => failure.itemIdentifier));
      } catch {
        failed = new Set(messages.map((message) => message.MessageId ?? ''));
      }

      const done = messages.filter((message) => !failed.has(message.MessageId ?? ''));
      if (done.length > 0) {
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: done.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
            })),
          }),
        );
      }
    }
  })();

  return {
    async stop() {
      abort.abort();
      await loop.catch(() => undefined);
    },
  };
}

function toLambdaRecord(
  message: Message,
  options: { queueArn: string; region: string },
): SQSRecord {
  const attributes = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'pixelater-local',
      ApproximateFirstReceiveTimestamp:
        attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: options.region,
  };
}
