import type { SQSBatchResponse } from 'aws-lambda';

import { handleInvocation, type InvocationReport } from '../pipeline/handle-invocation.ts';
import type { PipelineDeps } from '../pipeline/process-object-event.ts';

/**
 * The Lambda function itself, over the given storage and settings. AWS runs the instance
 * built from the environment (`handler.ts`); the local stack builds one over its own
 * endpoint and calls it with the same SQS-shaped events.
 */
export function createHandler(deps: PipelineDeps, onReport?: (report: InvocationReport) => void) {
  return async function handler(event: unknown): Promise<SQSBatchResponse> {
    const report = await handleInvocation(event, deps);
    onReport?.(report);
    return { batchItemFailures: report.batchItemFailures };
  };
}
