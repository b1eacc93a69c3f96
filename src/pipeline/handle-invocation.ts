import type { SQSBatchResponse } from 'aws-lambda';

import type { EventMessage } from '../events/object-event.ts';
import { parseInvocation } from '../events/parse-invocation.ts';
import {
  logMessageIgnored,
  logObjectFailed,
  logObjectProcessed,
  logObjectRejected,
  logObjectRemoved,
  logObjectSkipped,
} from '../log.ts';
import { classifyFailure, type FailureKind } from './classify-failure.ts';
import { type Outcome, type PipelineDeps, processObjectEvent } from './process-object-event.ts';

/**
 * What one invocation did: per message, the outcome of each of its objects, and the message
 * of each error that made it fail (what a dead-lettered message died of).
 */
export interface InvocationReport extends SQSBatchResponse {
  messages: Array<{
    messageId?: string;
    outcomes: Outcome[];
    failed: boolean;
    /** Each object that failed (and will be retried), with what kind of failure it was. */
    failures: Array<{ key: string; kind: FailureKind; message: string }>;
  }>;
}

/** An invocation with no message ids (S3 or EventBridge directly) fails whole, to be retried. */
export class InvocationFailedError extends AggregateError {
  override readonly name = 'InvocationFailedError';
}

/**
 * Handles one Lambda invocation of any shape pixelater accepts. Every record of every
 * message is processed, one failure does not stop the others, and the messages with a
 * transient failure are returned as `batchItemFailures`, so that only they are retried.
 */
export async function handleInvocation(
  invocation: unknown,
  deps: PipelineDeps,
): Promise<InvocationReport> {
  const report: InvocationReport = { batchItemFailures: [], messages: [] };
  const errors: unknown[] = [];

  for (const message of parseInvocation(invocation)) {
    const { outcomes, failures, errors: thrown } = await handleMessage(message, deps);
    report.messages.push({
      messageId: message.messageId,
      outcomes,
      failed: failures.length > 0,
      failures,
    });
    if (failures.length === 0) continue;
    if (message.messageId) report.batchItemFailures.push({ itemIdentifier: message.messageId });
    else errors.push(...thrown);
  }

  if (errors.length > 0) {
    throw new InvocationFailedError(
      errors,
      `${errors.length} object(s) failed and will be retried`,
    );
  }
  return report;
}

async function handleMessage(message: EventMessage, deps: PipelineDeps) {
  const outcomes: Outcome[] = [];
  const failures: InvocationReport['messages'][number]['failures'] = [];
  const errors: unknown[] = [];
  if (message.ignored) logMessageIgnored(message);

  for (const event of message.events) {
    const started = performance.now();
    try {
      const outcome = await processObjectEvent(event, deps);
      outcomes.push(outcome);
      if (outcome.status === 'processed') {
        logObjectProcessed(event, outcome.outputs.length, Math.round(performance.now() - started));
      } else if (outcome.status === 'rejected')
        logObjectRejected(event, outcome.check, outcome.reason);
      else if (outcome.status === 'removed') logObjectRemoved(event, outcome.deleted);
      else logObjectSkipped(event, outcome.reason);
    } catch (error) {
      const kind = classifyFailure(error);
      logObjectFailed(event, kind, error);
      failures.push({ key: event.key, kind, message: String(error) });
      errors.push(error);
    }
  }
  return { outcomes, failures, errors };
}
