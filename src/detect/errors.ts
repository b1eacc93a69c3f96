/**
 * Detection could not give an answer for an output that promises redaction: the model is
 * missing or unreadable, inference threw, or it ran out of time. Never a `RejectionError`:
 * the object is not at fault, so the output is withheld and the object retried.
 */
export class DetectionFailedError extends Error {
  override readonly name = 'DetectionFailedError';

  constructor(
    readonly key: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${key}: ${reason}`, options);
  }
}

/** A model file that cannot be used: missing, unreadable, or not a model the runtime accepts. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';

  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: cannot load the detection model (${reason})`, options);
  }
}
