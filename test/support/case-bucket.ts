import { readFile } from 'node:fs/promises';

import { createHandler } from '../../src/lambda/create-handler.ts';
import type { InvocationReport } from '../../src/pipeline/handle-invocation.ts';
import { pipelineSettings, type PipelineSettings } from '../../src/pipeline/settings.ts';
import { S3ObjectStore } from '../../src/storage/s3-object-store.ts';
import { caseFile, caseJson } from './fixtures.ts';
import { startS3Endpoint } from './s3-endpoint.ts';

interface BucketManifest {
  bucket: string;
  objects: Array<{ key: string; file: string }>;
}

export const destinationBucket = 'pixelater-test-destination';

/**
 * A real S3 endpoint holding a case's objects under their decoded keys, and the Lambda
 * handler over it, exactly as AWS would build it, reporting what it did.
 */
export async function caseBucket(caseId: string, settings: Partial<PipelineSettings> = {}) {
  const endpoint = await startS3Endpoint();
  const manifest = caseJson<BucketManifest>(caseId, 'bucket-manifest.json');
  await endpoint.createBucket(manifest.bucket);
  await endpoint.createBucket(destinationBucket);
  for (const object of manifest.objects) {
    await endpoint.put(manifest.bucket, object.key, await readFile(caseFile(caseId, object.file)));
  }

  const reports: InvocationReport[] = [];
  const store = new S3ObjectStore(endpoint.s3);
  const handler = createHandler(
    {
      source: store,
      destination: store,
      settings: pipelineSettings({ destinationBucket, ...settings }),
    },
    (report) => reports.push(report),
  );
  return { endpoint, manifest, handler, reports, event: (name: string) => caseJson(caseId, name) };
}
