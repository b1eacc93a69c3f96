import { createHash } from 'node:crypto';

import {
  ObjectNotFoundError,
  RejectionCheck,
  RejectionError,
  SourceKeptChangingError,
} from '../errors.ts';
import { DetectionFailedError } from '../detect/errors.ts';
import { regionDetectors } from '../detect/region-detectors.ts';
import type { ObjectEvent } from '../events/object-event.ts';
import { renderImage } from '../image/render.ts';
import { logSourceChangedWhileProcessing } from '../log.ts';
import { sizeIndependentKeys } from '../recipe/plan-outputs.ts';
import { recipeFor, recipeHash } from '../recipe/recipe.ts';
import type {
  MetadataRecord,
  OutputEntry,
  ProcessedRecord,
  SourceEntry,
} from '../record/metadata-record.ts';
import { FailureCheck, pixelaterVersion, recordSchemaVersion } from '../record/metadata-record.ts';
import { MarkerMetadata, recordKey } from '../record/output-keys.ts';
import { summaryMetadata } from '../record/summary-metadata.ts';
import {
  normaliseEtag,
  type ObjectStore,
  ObjectTooLargeError,
  type StoredObject,
} from '../storage/object-store.ts';
import { readObjectRegions, wantsObjectRegions } from './object-regions.ts';
import type { PipelineSettings } from './settings.ts';
import { shouldSkip, SkipReason } from './should-skip.ts';
import { sameVersion, type SourceVersion } from './source-version.ts';

/** What became of one object event. */
export type Outcome =
  | { status: 'processed'; key: string; outputs: OutputEntry[]; recordKey: string }
  | {
      status: 'rejected';
      key: string;
      check: RejectionCheck;
      reason: string;
      /** Absent only when the record itself could not be written (its key too long). */
      recordKey?: string;
    }
  | { status: 'skipped'; key: string; reason: string }
  | { status: 'removed'; key: string; deleted: number };

export interface PipelineDeps {
  /** Where sources are read from. */
  source: ObjectStore;
  /** Where outputs and records are written; the same store as `source` in AWS. */
  destination: ObjectStore;
  settings: PipelineSettings;
}

/**
 * Handles one object event end to end: decide whether to process it at all, fetch the
 * object, render every output, write them, and write the metadata record last, so that a
 * record's presence means its outputs are all there. Then the source is looked at once
 * more: if it was overwritten or deleted meanwhile, what was just written may have replaced
 * the newer upload's outputs, so the current bytes are processed again (or the outputs
 * deleted), and the last writer always leaves outputs and record matching the source.
 *
 * A `RejectionError` (the object is at fault) becomes a rejection record and a `rejected`
 * outcome; any other error is transient and thrown for the queue to retry. When detection
 * fails for an output that promises redaction, no output is written, only a failed record
 * that says so, and the error is thrown so that the object is retried: fail closed.
 *
 * @example
 * await processObjectEvent({ kind: 'created', bucket: 'in', key: 'cat.jpg', ... }, deps);
 * // { status: 'processed', key: 'cat.jpg', outputs: [...], recordKey: 'cat.jpg/metadata.json' }
 */
export async function processObjectEvent(event: ObjectEvent, deps: PipelineDeps): Promise<Outcome> {
  const tooLong = event.kind === 'created' ? derivedKeyTooLong(event, deps) : undefined;
  if (tooLong) return tooLong;

  const skip = await shouldSkip(event, deps);
  if (skip) return skipped(event, skip);

  if (event.kind === 'removed') return removeDerivatives(event, deps);

  let current = event;
  for (let pass = 1; ; pass++) {
    const { outcome, version } = await processOnce(current, deps);
    if (outcome.status === 'skipped' || outcome.status === 'removed') return outcome;

    // LIMITATION: a write of another pass delayed in the network past this check could still
    // land last; S3's conditional writes would close that for the record, but the local
    // endpoint does not support them, so they are not used yet.
    const now = await deps.source.headObject(event.bucket, event.key);
    if (!now) {
      await eraseDerivatives(event, deps);
      return skipped(event, SkipReason.deletedWhileProcessing);
    }
    if (sameVersion(version, now)) return outcome;

    if (pass === maxPasses) throw new SourceKeptChangingError(event.key, pass);
    logSourceChangedWhileProcessing(event, pass);
    // The event's own version is gone: process whatever the key holds now.
    current = { ...event, etag: undefined, versionId: undefined };
  }
}

/** S3 refuses keys longer than this, in UTF-8 bytes. */
const maxKeyBytes = 1024;

/**
 * A source whose record or outputs would get keys S3 refuses can never be processed, nor
 * its rejection recorded: it is rejected before any request, and only the log says so.
 */
function derivedKeyTooLong(event: ObjectEvent, deps: PipelineDeps): Outcome | undefined {
  const { destinationPrefix, recipes } = deps.settings;
  const keys = [
    recordKey(destinationPrefix, event.key),
    ...sizeIndependentKeys(recipeFor(recipes, event.key), event.key).map(
      (key) => `${destinationPrefix}${key}`,
    ),
  ];
  const longest = Math.max(...keys.map((key) => Buffer.byteLength(key)));
  if (longest <= maxKeyBytes) return undefined;
  return {
    status: 'rejected',
    key: event.key,
    check: RejectionCheck.keyTooLong,
    reason:
      `its outputs' keys would be up to ${longest} bytes, over S3's limit of ${maxKeyBytes}; ` +
      `shorten the key (or the recipe's naming template); no record could be written`,
  };
}

/** Passes over a key that keeps being overwritten before the queue is asked to retry. */
const maxPasses = 3;

interface Pass {
  outcome: Outcome;
  /** The version the outputs or the rejection describe. */
  version: SourceVersion;
}

async function processOnce(event: ObjectEvent, deps: PipelineDeps): Promise<Pass> {
  const { source: sources, settings } = deps;
  const named: SourceVersion = { etag: event.etag, versionId: event.versionId };

  let source: StoredObject;
  const fetchStarted = performance.now();
  try {
    source = await sources.getObject(event.bucket, event.key, settings.limits.maxInputBytes);
  } catch (error) {
    if (error instanceof ObjectNotFoundError)
      return { outcome: skipped(event, SkipReason.notFound), version: named };
    if (error instanceof ObjectTooLargeError) {
      const tooLarge = new RejectionError(event.key, RejectionCheck.tooManyBytes, overLimit(error));
      return { outcome: await reject(event, undefined, tooLarge, deps), version: named };
    }
    throw error;
  }
  if (source.metadata[MarkerMetadata.role]) {
    return { outcome: skipped(event, SkipReason.ownOutput), version: source };
  }
  if (!sameVersion(named, source)) {
    return { outcome: skipped(event, SkipReason.superseded), version: source };
  }

  const started = performance.now();
  const fetchMs = Math.round(started - fetchStarted);
  try {
    const outcome = await writeOutputs(event, source, deps, { started, fetchMs });
    return { outcome, version: source };
  } catch (error) {
    if (error instanceof RejectionError)
      return { outcome: await reject(event, source, error, deps), version: source };
    if (error instanceof DetectionFailedError) await recordFailure(event, source, error, deps);
    throw error;
  }
}

function skipped(event: ObjectEvent, reason: SkipReason): Outcome {
  return { status: 'skipped', key: event.key, reason };
}

async function writeOutputs(
  event: ObjectEvent,
  source: StoredObject,
  deps: PipelineDeps,
  clock: { started: number; fetchMs: number },
): Promise<Outcome> {
  const { destination: store, settings } = deps;
  const { destinationBucket, destinationPrefix, recipes, limits } = settings;
  const recipe = recipeFor(recipes, event.key);
  const objectRegions = wantsObjectRegions(recipe)
    ? await readObjectRegions(event, source, deps)
    : undefined;
  const rendered = await renderImage(event.key, source.bytes, recipe, limits, {
    objectRegions,
    detectors: regionDetectors(settings.detection),
  });
  const written = performance.now();

  const outputs: OutputEntry[] = rendered.outputs.map((output) => ({
    name: output.name,
    key: `${destinationPrefix}${output.key}`,
    format: output.format,
    contentType: output.contentType,
    width: output.width,
    height: output.height,
    bytes: output.data.length,
    encodeMs: output.encodeMs,
    ...(output.redaction ? { redaction: output.redaction } : {}),
  }));
  const { metadata } = rendered;
  const record: ProcessedRecord = {
    status: 'processed',
    ...recordCommon(event, source, deps),
    image: rendered.info,
    perceptualHash: rendered.perceptualHash,
    placeholders: rendered.placeholders,
    camera: metadata.camera,
    embedded: metadata.embedded,
    animation: rendered.animation,
    gpsPosition: metadata.gpsPosition,
    outputs,
    warnings: rendered.warnings,
    timingsMs: { fetch: clock.fetchMs, ...rendered.timingsMs },
  };

  const marker = { [MarkerMetadata.role]: 'output' };
  const outputMetadata = recipe.record?.outputMetadata ? summaryMetadata(record, marker) : marker;
  await Promise.all(
    rendered.outputs.map((output, index) =>
      store.putObject(destinationBucket, outputs[index]?.key ?? '', output.data, {
        contentType: output.contentType,
        metadata: outputMetadata,
      }),
    ),
  );
  const uploaded = performance.now();

  record.timingsMs.upload = Math.round(uploaded - written);
  record.timingsMs.total = Math.round(uploaded - clock.started) + clock.fetchMs;
  const key = await writeRecord(event, source, record, deps);
  return { status: 'processed', key: event.key, outputs, recordKey: key };
}

async function reject(
  event: ObjectEvent,
  source: StoredObject | undefined,
  error: RejectionError,
  deps: PipelineDeps,
): Promise<Outcome> {
  // Outputs of an earlier upload under this key would outlive it beside the rejection.
  await eraseOutputs(event, deps);
  const record: MetadataRecord = {
    status: 'rejected',
    ...recordCommon(event, source, deps),
    rejection: { check: error.check, reason: error.reason },
  };
  const key = await writeRecord(event, source, record, deps);
  return {
    status: 'rejected',
    key: event.key,
    check: error.check,
    reason: error.reason,
    recordKey: key,
  };
}

/**
 * Records that the outputs promising redaction could not be made. Outputs of an earlier
 * upload under this key are deleted first, as for a rejection: they no longer describe it.
 */
async function recordFailure(
  event: ObjectEvent,
  source: StoredObject,
  error: DetectionFailedError,
  deps: PipelineDeps,
): Promise<void> {
  await eraseOutputs(event, deps);
  const record: MetadataRecord = {
    status: 'failed',
    ...recordCommon(event, source, deps),
    failure: { check: FailureCheck.detectionFailed, reason: error.reason, willRetry: true },
  };
  await writeRecord(event, source, record, deps);
}

async function removeDerivatives(event: ObjectEvent, deps: PipelineDeps): Promise<Outcome> {
  // A delete can arrive after the key was written again, and in a versioned bucket the
  // deleted version may not be the current one: only a key that is gone loses its outputs.
  if (await deps.source.headObject(event.bucket, event.key)) {
    return skipped(event, SkipReason.sourceStillExists);
  }
  const deleted = await eraseDerivatives(event, deps);
  if (deleted === 0) return skipped(event, SkipReason.nothingToRemove);
  return { status: 'removed', key: event.key, deleted };
}

/**
 * Deletes the outputs and then the record of a source; returns how many objects the record
 * listed (0 when there was no record). The record goes last, so that an interrupted removal
 * is finished by the redelivery.
 */
async function eraseDerivatives(event: ObjectEvent, deps: PipelineDeps): Promise<number> {
  const { destination: store, settings } = deps;
  const listed = await eraseOutputs(event, deps);
  if (listed === undefined) return 0;
  await store.deleteObjects(settings.destinationBucket, [
    recordKey(settings.destinationPrefix, event.key),
  ]);
  return listed + 1;
}

/**
 * Deletes every output of a source: those its record lists, and every name the recipe
 * writes, which an interrupted run may have left without a record. Returns how many
 * outputs the record listed, or undefined when there is no record.
 */
async function eraseOutputs(event: ObjectEvent, deps: PipelineDeps): Promise<number | undefined> {
  const { destination: store, settings } = deps;
  const { destinationBucket, destinationPrefix, recipes } = settings;
  const record = await store
    .getObject(destinationBucket, recordKey(destinationPrefix, event.key), 16 * 1024 * 1024)
    .catch((error) => {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    });
  const parsed = record ? (JSON.parse(record.bytes.toString('utf8')) as MetadataRecord) : undefined;
  const listed = parsed?.status === 'processed' ? parsed.outputs.map((output) => output.key) : [];
  const named = sizeIndependentKeys(recipeFor(recipes, event.key), event.key).map(
    (key) => `${destinationPrefix}${key}`,
  );
  await store.deleteObjects(destinationBucket, [...new Set([...listed, ...named])]);
  return parsed ? listed.length : undefined;
}

function recordCommon(event: ObjectEvent, source: StoredObject | undefined, deps: PipelineDeps) {
  const recipe = recipeFor(deps.settings.recipes, event.key);
  const etag = source?.etag ?? event.etag;
  const sourceEntry: SourceEntry = {
    bucket: event.bucket,
    key: event.key,
    bytes: source?.bytes.length ?? event.size ?? 0,
    sha256: source && createHash('sha256').update(source.bytes).digest('hex'),
    etag: etag === undefined ? undefined : normaliseEtag(etag),
    versionId: source?.versionId ?? event.versionId,
    sequencer: event.sequencer,
  };
  return {
    schemaVersion: recordSchemaVersion,
    source: sourceEntry,
    recipe: { name: recipe.name, hash: recipeHash(recipe) },
    pixelater: { version: pixelaterVersion },
    processedAt: new Date().toISOString(),
  };
}

async function writeRecord(
  event: ObjectEvent,
  source: StoredObject | undefined,
  record: MetadataRecord,
  deps: PipelineDeps,
): Promise<string> {
  const { destination: store, settings } = deps;
  const key = recordKey(settings.destinationPrefix, event.key);
  const metadata: Record<string, string> = {
    [MarkerMetadata.role]: 'record',
    [MarkerMetadata.status]: record.status,
    [MarkerMetadata.recipe]: record.recipe.hash,
  };
  if (record.source.etag) metadata[MarkerMetadata.sourceEtag] = record.source.etag;
  if (record.source.versionId) metadata[MarkerMetadata.sourceVersion] = record.source.versionId;
  if (event.sequencer) metadata[MarkerMetadata.sequencer] = event.sequencer;
  await store.putObject(
    settings.destinationBucket,
    key,
    Buffer.from(`${JSON.stringify(record, null, 2)}\n`),
    {
      contentType: 'application/json',
      metadata,
    },
  );
  return key;
}

function overLimit(error: ObjectTooLargeError): string {
  return `${error.bytes} bytes or more is over the limit of ${error.maxBytes} bytes (maxInputBytes)`;
}
