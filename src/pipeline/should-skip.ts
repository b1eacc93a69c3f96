import { compareSequencers, type ObjectEvent } from '../events/object-event.ts';
import { regionsSidecarSuffix } from '../recipe/object-regions.ts';
import { recipeFor, recipeHash } from '../recipe/recipe.ts';
import { MarkerMetadata, recordKey } from '../record/output-keys.ts';
import type { PipelineDeps } from './process-object-event.ts';
import { sameVersion } from './source-version.ts';

/** Why an event was acknowledged without writing anything; the `reason` of a skip. */
export const SkipReason = {
  /** A zero-byte key ending in '/', made by consoles to show a folder. */
  folderPlaceholder: 'folder-placeholder',
  /** A `<key>.regions.json` sidecar: read with its image, never processed itself. */
  regionsSidecar: 'regions-sidecar',
  /** Tagging, ACL, restore or storage-class events: the bytes did not change. */
  notAContentChange: 'not-a-content-change',
  /** Under the destination prefix of the destination bucket, or carrying the output marker. */
  ownOutput: 'own-output',
  /** The record was written for a later write of the key (greater sequencer). */
  stale: 'stale',
  /** The record already describes these bytes under this recipe. */
  duplicate: 'duplicate',
  /** The key holds other bytes than the event names; that write's own event handles it. */
  superseded: 'superseded',
  /** The object was deleted before it could be read; its removal event handles it. */
  notFound: 'not-found',
  /** A removal for a key that has no record. */
  nothingToRemove: 'nothing-to-remove',
  /** A removal for a key that exists again (written after the delete, or another version). */
  sourceStillExists: 'source-still-exists',
  /** The source was deleted while its outputs were written; they were deleted again. */
  deletedWhileProcessing: 'deleted-while-processing',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/**
 * The one place that decides whether an event is processed at all. Returns the reason to
 * skip it, or undefined to go ahead. Checks that need no I/O come first; the only request
 * made is one HEAD of the existing record, whose user metadata identifies what it describes.
 *
 * @example
 * await shouldSkip({ kind: 'created', key: 'photos/', ... }, deps); // 'folder-placeholder'
 */
export async function shouldSkip(
  event: ObjectEvent,
  deps: PipelineDeps,
): Promise<SkipReason | undefined> {
  const { destinationBucket, destinationPrefix, recipes } = deps.settings;

  if (event.kind === 'other') return SkipReason.notAContentChange;
  if (event.key.endsWith('/')) return SkipReason.folderPlaceholder;
  // LIMITATION: a sidecar uploaded after its image does not reprocess the image; upload it first.
  if (event.key.endsWith(regionsSidecarSuffix)) return SkipReason.regionsSidecar;
  if (event.bucket === destinationBucket && event.key.startsWith(destinationPrefix))
    return SkipReason.ownOutput;

  const existing = await deps.destination.headObject(
    destinationBucket,
    recordKey(destinationPrefix, event.key),
  );
  if (!existing) return undefined;
  const recorded = existing.metadata;

  const recordedSequencer = recorded[MarkerMetadata.sequencer];
  if (event.sequencer && recordedSequencer) {
    if (compareSequencers(event.sequencer, recordedSequencer) < 0) return SkipReason.stale;
  }
  if (event.kind === 'removed') return undefined;
  // A failed record marks work still owed (detection failed): its retry must go ahead.
  if (recorded[MarkerMetadata.status] === 'failed') return undefined;

  const sameBytes =
    event.etag !== undefined &&
    recorded[MarkerMetadata.sourceEtag] !== undefined &&
    sameVersion(
      { etag: event.etag, versionId: event.versionId },
      {
        etag: recorded[MarkerMetadata.sourceEtag],
        versionId: recorded[MarkerMetadata.sourceVersion],
      },
    );
  if (sameBytes && recorded[MarkerMetadata.recipe] === recipeHash(recipeFor(recipes, event.key)))
    return SkipReason.duplicate;
  return undefined;
}
