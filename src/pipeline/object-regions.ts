import { ObjectNotFoundError, RejectionCheck, RejectionError } from '../errors.ts';
import type { ObjectEvent } from '../events/object-event.ts';
import {
  parseRegionNotation,
  parseRegionsSidecar,
  regionsMetadataName,
  sidecarKey,
} from '../recipe/object-regions.ts';
import type { Recipe } from '../recipe/recipe.ts';
import type { RegionValue } from '../recipe/schema.ts';
import type { StoredObject } from '../storage/object-store.ts';
import type { PipelineDeps } from './process-object-event.ts';

const largestSidecarBytes = 1024 * 1024;

/** Whether any output of the recipe pixelates rectangles given with the object. */
export function wantsObjectRegions(recipe: Recipe): boolean {
  return recipe.outputs.some(
    (spec) => spec.kind === 'pixelate' && spec.pixelate.regions?.sources.includes('object'),
  );
}

// LIMITATION: S3 object tags are not read (the local endpoint has no tagging to test them
// against); uploaders give rectangles in user metadata or a sidecar instead.

/**
 * The rectangles the uploader gave with an object: its `pixelater-regions` user metadata and
 * its sidecar `<key>.regions.json` in the source bucket, together.
 *
 * @throws {RejectionError} when either is malformed: pixelating the wrong place, or nothing,
 * would defeat their purpose.
 */
export async function readObjectRegions(
  event: ObjectEvent,
  source: StoredObject,
  deps: PipelineDeps,
): Promise<RegionValue[]> {
  const regions: RegionValue[] = [];
  const notation = source.metadata[regionsMetadataName];
  if (notation !== undefined) {
    const parsed = parseRegionNotation(notation);
    if (typeof parsed === 'string')
      throw invalid(event.key, `metadata ${regionsMetadataName}: ${parsed}`);
    regions.push(...parsed);
  }

  const sidecar = await deps.source
    .getObject(event.bucket, sidecarKey(event.key), largestSidecarBytes)
    .catch((error) => {
      if (error instanceof ObjectNotFoundError) return undefined;
      throw error;
    });
  if (sidecar) {
    const parsed = parseRegionsSidecar(sidecar.bytes.toString('utf8'));
    if (typeof parsed === 'string') throw invalid(event.key, `${sidecarKey(event.key)}: ${parsed}`);
    regions.push(...parsed);
  }
  return regions;
}

function invalid(key: string, reason: string): RejectionError {
  return new RejectionError(key, RejectionCheck.invalidRegions, `invalid regions (${reason})`);
}
