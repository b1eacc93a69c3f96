import { Logger } from '@aws-lambda-powertools/logger';

import type { EventMessage, ObjectEvent } from './events/object-event.ts';

/**
 * Every log line pixelater can emit, one function per event name, so that the whole log
 * vocabulary is visible here. Lines are structured JSON with stable keys: `event`, then
 * `bucket`, `key`, `versionId` and figures. The level comes from POWERTOOLS_LOG_LEVEL
 * (INFO by default).
 */
export const logger = new Logger({ serviceName: 'pixelater' });

function objectFields(event: ObjectEvent) {
  return {
    bucket: event.bucket,
    key: event.key,
    versionId: event.versionId,
    sequencer: event.sequencer,
  };
}

export function logObjectProcessed(event: ObjectEvent, outputs: number, durationMs: number): void {
  logger.info('object.processed', {
    event: 'object.processed',
    ...objectFields(event),
    outputs,
    durationMs,
  });
}

export function logObjectSkipped(event: ObjectEvent, reason: string): void {
  logger.info('object.skipped', { event: 'object.skipped', ...objectFields(event), reason });
}

export function logObjectRejected(event: ObjectEvent, check: string, reason: string): void {
  logger.warn('object.rejected', {
    event: 'object.rejected',
    ...objectFields(event),
    check,
    reason,
  });
}

export function logObjectRemoved(event: ObjectEvent, deleted: number): void {
  logger.info('object.removed', { event: 'object.removed', ...objectFields(event), deleted });
}

/** `failure` is a `FailureKind`: transient, refused (fix the set-up) or unexpected (a bug). */
export function logObjectFailed(event: ObjectEvent, failure: string, error: unknown): void {
  logger.error('object.failed', {
    event: 'object.failed',
    ...objectFields(event),
    failure,
    willRetry: true,
    error: error as Error,
  });
}

export function logMessageIgnored(message: EventMessage): void {
  const fields = { messageId: message.messageId, reason: message.ignored, detail: message.detail };
  if (message.ignored === 'test-event')
    logger.info('message.test-event', { event: 'message.test-event', ...fields });
  else logger.warn('message.unrecognised', { event: 'message.unrecognised', ...fields });
}

export function logSourceChangedWhileProcessing(event: ObjectEvent, pass: number): void {
  logger.info('object.changed-while-processing', {
    event: 'object.changed-while-processing',
    ...objectFields(event),
    pass,
  });
}
