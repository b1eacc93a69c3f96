import { compareSequencers, type ObjectEvent } from '../events/object-event.ts';
import { regionsSidecarSuffix } from '../recipe/object-regions.ts';
import { recipeFor, recipeHash } from '../recipe/recipe.ts';
import { MarkerMetadata, recordKey } from '../record/output-keys.ts';
import { normaliseEtag } from '../storage/object-store.ts';
import type { PipelineDeps } from './process-object-event.ts';

/**
 * The one place that decides whether an event is processed at all. Returns the reason to
 * skip it, or undefined to go ahead. Checks that need no I/O come first; the only request
 * made is one HEAD of the existing record.
 */
export async function shouldSkip(
  event: ObjectEvent,
  deps: PipelineDeps,
): Promise<string | undefined> {
  const { destinationBucket, destinationPrefix, recipes } = deps.settings;

  if (event.key.endsWith('/')) return 'folder-placeholder';
  // LIMITATION: a sidecar uploaded after its image does not reprocess the image; upload it first.
  if (event.key.endsWith(regionsSidecarSuffix)) return 'regions-sidecar';
  if (event.bucket === destinationBucket && event.key.startsWith(destinationPrefix))
    return 'own-output';

  const existing = await deps.destination.headObject(
    destinationBucket,
    recordKey(destinationPrefix, event.key),
  );
  if (!existing) return undefined;
  const recorded = existing.metadata;

  if (event.sequencer && recorded[MarkerMetadata.sequencer]) {
    const order = compareSequencers(event.sequencer, recorded[MarkerMetadata.sequencer] ?? '');
    if (order < 0) return 'stale';
  }
  if (event.kind === 'removed') return undefined;

  const sameBytes =
    event.etag !== undefined &&
    recorded[MarkerMetadata.sourceEtag] === normaliseEtag(event.etag) &&
    (event.versionId ?? '') === (recorded[MarkerMetadata.sourceVersion] ?? '');
  if (sameBytes && recorded[MarkerMetadata.recipe] === recipeHash(recipeFor(recipes, event.key)))
    return 'duplicate';
  return undefined;
}
