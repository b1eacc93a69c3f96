import { normaliseEtag } from '../storage/object-store.ts';

/** What tells one version of an object from another: the version id, or else the ETag. */
export interface SourceVersion {
  etag?: string;
  versionId?: string;
}

/**
 * Whether two descriptions name the same version of an object: by version id when both
 * have one (versioned buckets), else by ETag (quoted or not).
 *
 * @example
 * sameVersion({ etag: '"2552065f"' }, { etag: '2552065f', versionId: 'v1' }); // true
 * sameVersion({ versionId: 'v1' }, { versionId: 'v2' }); // false
 */
export function sameVersion(a: SourceVersion, b: SourceVersion): boolean {
  if (a.versionId && b.versionId) return a.versionId === b.versionId;
  if (a.etag && b.etag) return normaliseEtag(a.etag) === normaliseEtag(b.etag);
  // LIMITATION: a store that reports neither (files on disk) cannot tell versions apart,
  // so a file rewritten during `pixelater process` is not noticed; the next run redoes it.
  return true;
}
