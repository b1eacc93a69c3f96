import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { defaultDetectionSettings } from '../../src/detect/region-detectors.ts';
import type { RedactionAudit } from '../../src/image/regions.ts';
import { createHandler } from '../../src/lambda/create-handler.ts';
import type { InvocationReport } from '../../src/pipeline/handle-invocation.ts';
import { pipelineSettings } from '../../src/pipeline/settings.ts';
import { presetRecipes } from '../../src/recipe/presets.ts';
import { S3ObjectStore } from '../../src/storage/s3-object-store.ts';
import { faceCentres, faceFixture } from '../support/faces.ts';
import { pixelsOf } from '../support/fixtures.ts';
import { startS3Endpoint } from '../support/s3-endpoint.ts';

const sourceBucket = 'privacy-source';
const destinationBucket = 'privacy-destination';
let endpoint: Awaited<ReturnType<typeof startS3Endpoint>>;

beforeAll(async () => {
  endpoint = await startS3Endpoint();
  await endpoint.createBucket(sourceBucket);
  await endpoint.createBucket(destinationBucket);
});
afterAll(() => endpoint.stop());

function handlerWith(faceModelPath = defaultDetectionSettings.faceModelPath) {
  const store = new S3ObjectStore(endpoint.s3);
  const reports: InvocationReport[] = [];
  const handler = createHandler(
    {
      source: store,
      destination: store,
      settings: pipelineSettings({
        destinationBucket,
        recipes: presetRecipes('privacy'),
        detection: { ...defaultDetectionSettings, faceModelPath },
      }),
    },
    (report) => reports.push(report),
  );
  return { handler, reports };
}

/** Uploads `bytes` and returns the SQS message S3 would have sent for it. */
async function upload(key: string, bytes: Buffer) {
  await endpoint.put(sourceBucket, key, bytes);
  const eTag = createHash('md5').update(bytes).digest('hex');
  const notification = {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: sourceBucket },
          object: { key: encodeURIComponent(key), size: bytes.length, eTag },
        },
      },
    ],
  };
  return {
    Records: [
      { messageId: `message-${key}`, eventSource: 'aws:sqs', body: JSON.stringify(notification) },
    ],
  };
}

async function record(key: string) {
  return JSON.parse(
    (await endpoint.get(destinationBucket, `${key}/metadata.json`)).body.toString(),
  );
}

function inside(
  region: { left: number; top: number; width: number; height: number },
  x: number,
  y: number,
) {
  return (
    x >= region.left &&
    x < region.left + region.width &&
    y >= region.top &&
    y < region.top + region.height
  );
}

describe('the privacy preset against a real S3 endpoint', () => {
  it('writes pixelated-faces.jpg with every face covered, the rest as in the source, and an audit entry', async () => {
    const key = 'party/group_6faces.jpg';
    const bytes = await faceFixture('group_6faces.jpg');
    const { handler } = handlerWith();
    expect(await handler(await upload(key, bytes))).toEqual({ batchItemFailures: [] });

    const keys = await endpoint.keys(destinationBucket, `${key}/`);
    expect(keys).toContain(`${key}/pixelated-faces.jpg`);
    expect(keys).toContain(`${key}/w320.webp`);

    const written = await record(key);
    const entry = written.outputs.find(
      (output: { name: string }) => output.name === 'pixelated-faces.jpg',
    );
    const audit = entry.redaction as RedactionAudit;
    expect(audit.regions.length).toBeGreaterThanOrEqual(6);
    expect(audit.detectors).toEqual([
      expect.objectContaining({
        detector: 'ultraface-rfb-320',
        modelSha256: '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854',
        thresholds: expect.objectContaining({ minScore: 0.7 }),
      }),
    ]);
    for (const region of audit.regions) expect(region.score).toBeGreaterThanOrEqual(0.7);

    const output = await pixelsOf(
      (await endpoint.get(destinationBucket, `${key}/pixelated-faces.jpg`)).body,
    );
    const source = await pixelsOf(bytes);
    expect([output.width, output.height]).toEqual([500, 332]);
    for (const [x, y] of faceCentres['group_6faces.jpg'] ?? []) {
      expect(
        audit.regions.some(({ region }) => inside(region, x, y)),
        `face at ${x},${y}`,
      ).toBe(true);
    }
    // Outside the regions (kept 8 px clear of their edges, where JPEG rings), the copy is the
    // source re-encoded; inside, the face is gone.
    const error = { outside: [0, 0], inside: [0, 0] };
    for (let y = 0; y < 332; y += 2) {
      for (let x = 0; x < 500; x += 2) {
        const difference = Math.max(
          ...output.at(x, y).map((value, c) => Math.abs(value - source.at(x, y)[c]!)),
        );
        const within = audit.regions.some(({ region }) => inside(region, x, y));
        const near = audit.regions.some(({ region }) =>
          inside(
            {
              left: region.left - 8,
              top: region.top - 8,
              width: region.width + 16,
              height: region.height + 16,
            },
            x,
            y,
          ),
        );
        const tally = within ? error.inside : near ? undefined : error.outside;
        if (!tally) continue;
        tally[0]! += difference;
        tally[1]! += 1;
      }
    }
    const outside = error.outside[0]! / error.outside[1]!;
    const insideRegions = error.inside[0]! / error.inside[1]!;
    // JPEG at quality 85 alone differs by a few levels from the source.
    expect(outside).toBeLessThan(6);
    expect(insideRegions).toBeGreaterThan(3 * outside);
  });

  it('pixelates the faces of a photo stored sideways where they are displayed', async () => {
    const sideways = await sharp(await faceFixture('group_7faces_a.jpg'))
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .jpeg({ quality: 95 })
      .toBuffer();
    const key = 'party/sideways.jpg';
    const { handler } = handlerWith();
    expect(await handler(await upload(key, sideways))).toEqual({ batchItemFailures: [] });

    const written = await record(key);
    expect(written.image).toMatchObject({ width: 500, height: 375, orientation: 6 });
    const entry = written.outputs.find(
      (output: { name: string }) => output.name === 'pixelated-faces.jpg',
    );
    expect([entry.width, entry.height]).toEqual([500, 375]);
    const regions = (entry.redaction as RedactionAudit).regions;
    for (const [x, y] of faceCentres['group_7faces_a.jpg'] ?? []) {
      expect(
        regions.some(({ region }) => inside(region, x, y)),
        `face at ${x},${y}`,
      ).toBe(true);
    }
  });

  it('leaves the photo without a face sharp, with no region, and says so in the audit', async () => {
    const key = 'pets/cat.jpg';
    const bytes = await faceFixture('negative_cat_0faces.jpg');
    const { handler } = handlerWith();
    await handler(await upload(key, bytes));
    const entry = (await record(key)).outputs.find(
      (output: { name: string }) => output.name === 'pixelated-faces.jpg',
    );
    expect(entry.redaction.regions).toEqual([]);

    // Not pixelated whole: every pixel is the source's, re-encoded.
    const output = await pixelsOf(
      (await endpoint.get(destinationBucket, `${key}/pixelated-faces.jpg`)).body,
    );
    const source = await pixelsOf(bytes);
    let difference = 0;
    let samples = 0;
    for (let y = 0; y < source.height; y += 2) {
      for (let x = 0; x < source.width; x += 2) {
        difference += Math.max(
          ...output.at(x, y).map((value, c) => Math.abs(value - source.at(x, y)[c]!)),
        );
        samples++;
      }
    }
    expect(difference / samples).toBeLessThan(6);
  });

  it.each([
    ['a model file that does not exist', async (folder: string) => join(folder, 'missing.onnx')],
    [
      'a corrupted model file',
      async (folder: string) => {
        const path = join(folder, 'corrupted.onnx');
        await writeFile(path, Buffer.from('this is not an ONNX model, just bytes'));
        return path;
      },
    ],
  ])(
    'fails closed with %s: nothing written, a failed record, and the message retried',
    async (_, modelAt) => {
      const folder = await mkdtemp(join(tmpdir(), 'pixelater-model-'));
      const key = `retry/${folder.split('-').pop()}.jpg`;
      const message = await upload(key, await faceFixture('three_3faces.jpg'));

      const broken = handlerWith(await modelAt(folder));
      expect(await broken.handler(message)).toEqual({
        batchItemFailures: [{ itemIdentifier: `message-${key}` }],
      });
      expect(await endpoint.keys(destinationBucket, `${key}/`)).toEqual([`${key}/metadata.json`]);
      const failed = await record(key);
      expect(failed).toMatchObject({
        status: 'failed',
        failure: { check: 'detection-failed', willRetry: true },
      });
      expect(failed.failure.reason).toMatch(
        /^pixelated-faces\.jpg not written: detection failed \(.*cannot load the detection model/,
      );

      // The redelivery of the same message, once the model is fixed, is processed, not skipped.
      const fixed = handlerWith();
      expect(await fixed.handler(message)).toEqual({ batchItemFailures: [] });
      expect((await record(key)).status).toBe('processed');
      expect(await endpoint.keys(destinationBucket, `${key}/`)).toContain(
        `${key}/pixelated-faces.jpg`,
      );
      await fixed.handler(message);
      expect(fixed.reports[1]?.messages[0]?.outcomes[0]).toMatchObject({
        status: 'skipped',
        reason: 'duplicate',
      });
    },
  );
});
