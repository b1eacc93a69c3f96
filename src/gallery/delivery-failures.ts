import type { InvocationReport } from '../pipeline/handle-invocation.ts';

/** What is known about one SQS message that the handler failed on. */
export interface DeliveryFailure {
  /** Invocations that failed on it, as seen by this process. */
  attempts: number;
  /** The error messages of the latest failed attempt, one per object that failed. */
  errors: string[];
  lastFailedAt: string;
}

/**
 * Remembers why the handler failed on each message, by message id. SQS moves a message to
 * the dead-letter queue with its id but without the error, so the gallery looks it up here
 * to say what the message died of.
 *
 * @example
 * const failures = new DeliveryFailures();
 * startLocalStack({ port: 4570, onReport: (report) => failures.record(report) });
 * failures.of('5f1c...'); // { attempts: 3, errors: ['...: NoSuchBucket'], lastFailedAt: '...' }
 */
export class DeliveryFailures {
  readonly #byMessageId = new Map<string, DeliveryFailure>();

  /** @param capacity messages remembered; the oldest failure is forgotten first. */
  constructor(readonly capacity = 1000) {}

  record(report: InvocationReport): void {
    for (const message of report.messages) {
      if (!message.failed || !message.messageId) continue;
      const previous = this.#byMessageId.get(message.messageId);
      this.#byMessageId.delete(message.messageId);
      this.#byMessageId.set(message.messageId, {
        attempts: (previous?.attempts ?? 0) + 1,
        errors: message.failures.map((failure) => failure.message),
        lastFailedAt: new Date().toISOString(),
      });
    }
    for (const oldest of this.#byMessageId.keys()) {
      if (this.#byMessageId.size <= this.capacity) break;
      this.#byMessageId.delete(oldest);
    }
  }

  of(messageId: string): DeliveryFailure | undefined {
    return this.#byMessageId.get(messageId);
  }
}
