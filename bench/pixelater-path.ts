/**
 * pixelater's own code path, as the Lambda handler runs it: an SQS event in, the handler's
 * parsing, skip checks, render, writes and record; storage in memory or on a real endpoint.
 */
import { createHandler } from '../src/lambda/create-handler.ts';
import { encodeObjectKey } from '../src/events/decode-object-key.ts';
import { pipelineSettings } from '../src/pipeline/settings.ts';
import { defaultRecipes, type Recipes } from '../src/recipe/recipe.ts';
import { MemoryObjectStore } from '../src/storage/memory-object-store.ts';
import type { ObjectStore } from '../src/storage/object-store.ts';

/**
 * One way of making the default outputs from an image. It is called with the image's bytes
 * to set the work up (for pixelater: the upload, which is the user's, not pixelater's), and
 * returns the work itself, which is what the benchmark times.
 */
export type Implementation = (bytes: Buffer) => Promise<() => Promise<unknown>>;

/**
 * Puts each image into `store` under a new key; the work is then the handler's run on the
 * SQS message S3 would have sent for it, as the deployed queue delivers it.
 */
function handlerPath(
  store: ObjectStore,
  afterEach?: (key: string) => void,
  recipes: Recipes = defaultRecipes,
): Implementation {
  const handler = createHandler({
    source: store,
    destination: store,
    settings: { ...pipelineSettings({ destinationBucket: 'bench-destination' }), recipes },
  });
  let sequence = 0;

  return async function upload(bytes) {
    const key = `bench/${++sequence}.img`;
    await store.putObject('bench-source', key, bytes, { contentType: 'application/octet-stream' });
    const notification = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: 'bench-source' },
            object: { key: encodeObjectKey(key), size: bytes.length },
          },
        },
      ],
    };
    const messageId = String(sequence);
    return async function process() {
      const result = await handler({
        Records: [{ eventSource: 'aws:sqs', messageId, body: JSON.stringify(notification) }],
      });
      if (result.batchItemFailures.length > 0)
        throw new Error(`${key}: the handler reported a failure`);
      afterEach?.(key);
    };
  };
}

/** The handler path with storage in memory, for the default recipe or `recipes`. */
export function pixelaterInMemory(recipes?: Recipes): Implementation {
  const store = new MemoryObjectStore();
  // Keep memory flat across repetitions: drop the source and what its run wrote.
  const forget = (key: string) => {
    for (const stored of store.objects.keys())
      if (stored.startsWith('bench-destination/') || stored === `bench-source/${key}`)
        store.objects.delete(stored);
  };
  return handlerPath(store, forget, recipes);
}

/**
 * The same path with storage on a real S3-compatible endpoint over HTTP (fauxqs, in this
 * process, so its CPU time is counted too): the GetObject and the 14 PutObjects included.
 */
export async function pixelaterOnEndpoint() {
  const { startS3Endpoint } = await import('../test/support/s3-endpoint.ts');
  const { S3ObjectStore } = await import('../src/storage/s3-object-store.ts');
  const endpoint = await startS3Endpoint();
  await endpoint.createBucket('bench-source');
  await endpoint.createBucket('bench-destination');
  return { run: handlerPath(new S3ObjectStore(endpoint.s3)), stop: () => endpoint.stop() };
}
