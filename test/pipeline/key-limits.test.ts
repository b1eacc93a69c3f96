import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { encodeObjectKey } from '../../src/events/decode-object-key.ts';
import { createHandler } from '../../src/lambda/create-handler.ts';
import type { InvocationReport } from '../../src/pipeline/handle-invocation.ts';
import { pipelineSettings } from '../../src/pipeline/settings.ts';
import { S3ObjectStore } from '../../src/storage/s3-object-store.ts';
import { fixture } from '../support/fixtures.ts';
import { startS3Endpoint } from '../support/s3-endpoint.ts';

let endpoint: Awaited<ReturnType<typeof startS3Endpoint>>;
beforeAll(async () => {
  endpoint = await startS3Endpoint();
  await endpoint.createBucket('uploads');
  await endpoint.createBucket('derived');
});
afterAll(async () => {
  await endpoint.stop();
});

function notification(key: string) {
  return {
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: 'uploads' }, object: { key: encodeObjectKey(key), size: 1 } },
      },
    ],
  };
}

describe("S3's key length limit", () => {
  it('rejects, without a request or a retry, a source whose derived keys S3 would refuse', async () => {
    // 1000 bytes fits S3's 1024-byte limit; '<key>/pixelated-grid-16.jpg' does not.
    const key = `photos/${'é'.repeat(496)}.png`;
    expect(Buffer.byteLength(key)).toBe(1003);
    await endpoint.put('uploads', key, await fixture('tiny_2x2.png'));
    const reports: InvocationReport[] = [];
    const store = new S3ObjectStore(endpoint.s3);
    const handler = createHandler(
      {
        source: store,
        destination: store,
        settings: pipelineSettings({ destinationBucket: 'derived' }),
      },
      (report) => reports.push(report),
    );

    expect(await handler(notification(key))).toEqual({ batchItemFailures: [] });
    const [outcome] = reports[0]?.messages[0]?.outcomes ?? [];
    expect(outcome).toMatchObject({ status: 'rejected', check: 'key-too-long' });
    expect(outcome?.status === 'rejected' && outcome.reason).toMatch(/over S3's limit of 1024/);
    expect(await endpoint.keys('derived')).toEqual([]);
  });
});
