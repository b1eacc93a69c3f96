import { S3Client } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { processObjectEvent } from '../../src/pipeline/process-object-event.ts';
import { pipelineSettings } from '../../src/pipeline/settings.ts';
import { parseConfig } from '../../src/recipe/load-config.ts';
import { parseRegionNotation } from '../../src/recipe/object-regions.ts';
import { S3ObjectStore } from '../../src/storage/s3-object-store.ts';
import { pixelsOf } from '../support/fixtures.ts';
import { startS3Endpoint } from '../support/s3-endpoint.ts';

let endpoint: Awaited<ReturnType<typeof startS3Endpoint>>;
beforeAll(async () => {
  endpoint = await startS3Endpoint();
  await endpoint.createBucket('uploads');
  await endpoint.createBucket('derived');
});
afterAll(() => endpoint.stop());

// 40 px blocks from the top-left corner: the block from x 80 to 120 straddles the white/black edge.
const recipes = parseConfig(
  JSON.stringify({
    outputs: [
      {
        pixelate: { blockSize: 40, regions: { sources: ['object'] } },
        format: 'png',
        name: 'private',
      },
    ],
  }),
  'privacy.json',
);

/** 200 x 100, left half white, right half black: a pixelated rectangle turns grey. */
const halves = () =>
  sharp({ create: { width: 100, height: 100, channels: 3, background: '#ffffff' } })
    .extend({ right: 100, background: '#000000' })
    .png()
    .toBuffer();

async function process(key: string) {
  const store = new S3ObjectStore(endpoint.s3 as S3Client);
  const deps = {
    source: store,
    destination: store,
    settings: pipelineSettings({ destinationBucket: 'derived', recipes }),
  };
  return processObjectEvent({ kind: 'created', eventName: 'test', bucket: 'uploads', key }, deps);
}

describe('regions given with the object', () => {
  it('reads the compact notation in pixels and in fractions', () => {
    expect(parseRegionNotation('10:20:100:50 fraction=0.75:0.9:0.25:0.1')).toEqual([
      { left: 10, top: 20, width: 100, height: 50, unit: 'px' },
      { left: 0.75, top: 0.9, width: 0.25, height: 0.1, unit: 'fraction' },
    ]);
    expect(parseRegionNotation('10:20:100')).toMatch(/'10:20:100' is not a rectangle/);
  });

  it('pixelates the rectangle named in the user metadata, and the one in a sidecar', async () => {
    await endpoint.put('uploads', 'a/meta.png', await halves(), {
      'pixelater-regions': '90:0:20:20',
    });
    await endpoint.put('uploads', 'a/side.png', await halves());
    await endpoint.put(
      'uploads',
      'a/side.png.regions.json',
      JSON.stringify({
        regions: [{ left: 0.45, top: 0.8, width: 0.1, height: 0.2, unit: 'fraction' }],
      }),
    );

    for (const [key, y] of [
      ['a/meta.png', 10],
      ['a/side.png', 90],
    ] as const) {
      expect((await process(key)).status).toBe('processed');
      const output = await pixelsOf((await endpoint.get('derived', `${key}/private.png`)).body);
      const grey = output.at(95, y);
      expect(grey[0]).toBeGreaterThan(100);
      expect(grey[0]).toBeLessThan(160);
      expect(output.at(105, y)).toEqual(grey);
      // Outside the rectangle, the sharp edge between white and black is untouched.
      const clear = y === 10 ? 90 : 10;
      expect(output.at(99, clear)).toEqual([255, 255, 255]);
      expect(output.at(100, clear)).toEqual([0, 0, 0]);
    }
  });

  it('rejects an object whose regions cannot be read, saying where the mistake is', async () => {
    await endpoint.put('uploads', 'a/bad.png', await halves(), { 'pixelater-regions': '1,2,3,4' });
    const outcome = await process('a/bad.png');
    expect(outcome).toMatchObject({
      status: 'rejected',
      check: 'invalid-regions',
      reason:
        "invalid regions (metadata pixelater-regions: '1,2,3,4' is not a rectangle (expected left:top:width:height, or fraction=left:top:width:height))",
    });
  });

  it('skips the sidecar itself instead of rejecting it as not an image', async () => {
    const outcome = await process('a/side.png.regions.json');
    expect(outcome).toEqual({
      status: 'skipped',
      key: 'a/side.png.regions.json',
      reason: 'regions-sidecar',
    });
  });
});
