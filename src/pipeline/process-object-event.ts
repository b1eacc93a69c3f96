import { createHash } from 'node:crypto';

import { ObjectNotFoundError, RejectionCheck, RejectionError } from '../errors.ts';
import type { ObjectEvent } from '../events/object-event.ts';
import { renderImage } from '../image/render.ts';
import { recipeFor, recipeHash } from '../recipe/recipe.ts';
import type {
  MetadataRecord,
  OutputEntry,
  ProcessedRecord,
  SourceEntry,
} from '../record/metadata-record.ts';
import { pixelaterVersion, recordSchemaVersion } from '../record/metadata-record.ts';
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
import { shouldSkip } from './should-skip.ts';

/** What became of one object event. */
export type Outcome =
  | { status: 'processed'; key: string; outputs: OutputEntry[]; recordKey: string }
  | { status: 'rejected'; key: string; check: RejectionCheck; reason: string; recordKey: string }
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
 * record's presence means its outputs are all there.
 *
 * A `RejectionError` (the object is at fault) becomes a rejection record and a `rejected`
 * outcome; any other error is transient and thrown for the queue to retry.
 */
export async function processObjectEvent(event: ObjectEvent, deps: PipelineDeps): Promise<Outcome> {
  const { source: sources, settings } = deps;
  const skip = await shouldSkip(event, deps);
  if (skip) return { status: 'skipped', key: event.key, reason: skip };

  if (event.kind === 'removed') return removeDerivatives(event, deps);

  let source: StoredObject;
  const fetchStarted = performance.now();
  try {
    source = await sources.getObject(event.bucket, event.key, settings.limits.maxInputBytes);
  } catch (error) {
    if (error instanceof ObjectNotFoundError)
      return { status: 'skipped', key: event.key, reason: 'not-found' };
    if (error instanceof ObjectTooLargeError) {
      return reject(
        event,
        undefined,
        new RejectionError(event.key, RejectionCheck.tooManyBytes, overLimit(error)),
        deps,
      );
    }
    throw error;
  }
  if (source.metadata[MarkerMetadata.role]) {
    return { status: 'skipped', key: event.key, reason: 'own-output' };
  }

  const started = performance.now();
  const fetchMs = Math.round(started - fetchStarted);
  try {
    return await writeOutputs(event, source, deps, { started, fetchMs });
  } catch (error) {
    if (error instanceof RejectionError) return reject(event, source, error, deps);
    throw error;
  }
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
  const rendered = await renderImage(event.key, source.bytes, recipe, limits, { objectRegions });
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
    animation: metadata.animation,
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

async function removeDerivatives(event: ObjectEvent, deps: PipelineDeps): Promise<Outcome> {
  const { destination: store, settings } = deps;
  const key = recordKey(settings.destinationPrefix, event.key);
  const record = await store
    .getObject(settings.destinationBucket, key, 16 * 1024 * 1024)
    .catch((error) => {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    });
  if (!record) return { status: 'skipped', key: event.key, reason: 'nothing-to-remove' };

  const parsed = JSON.parse(record.bytes.toString('utf8')) as MetadataRecord;
  const keys = parsed.status === 'processed' ? parsed.outputs.map((output) => output.key) : [];
  // The record goes last, so that an interrupted removal is finished by the redelivery.
  await store.deleteObjects(settings.destinationBucket, keys);
  await store.deleteObjects(settings.destinationBucket, [key]);
  return { status: 'removed', key: event.key, deleted: keys.length + 1 };
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
