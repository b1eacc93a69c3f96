import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { processObjectEvent } from '../../src/pipeline/process-object-event.ts';
import { pipelineSettings } from '../../src/pipeline/settings.ts';
import { onlyRecipe, type Recipe, recipeFromOutputs } from '../../src/recipe/recipe.ts';
import { MetadataRecordSchema, type MetadataRecord } from '../../src/record/metadata-record.ts';
import { recordJsonSchemaPath, recordJsonSchemaText } from '../../src/record/record-json-schema.ts';
import { recordKey } from '../../src/record/output-keys.ts';
import { summaryMetadata, userMetadataLimitBytes } from '../../src/record/summary-metadata.ts';
import { S3ObjectStore } from '../../src/storage/s3-object-store.ts';
import { fixture } from '../support/fixtures.ts';
import { startS3Endpoint } from '../support/s3-endpoint.ts';

const repository = fileURLToPath(new URL('../../', import.meta.url));
const sourceBucket = 'record-sources';
const destinationBucket = 'record-outputs';

/** Two small outputs keep these tests fast; the record's fields do not depend on them. */
const recipe = (record?: Recipe['record']): Recipe => ({
  ...recipeFromOutputs('record-test', [
    { pixelate: { grid: 8 }, format: 'jpeg', quality: 80 },
    { resize: { width: 320 }, format: 'webp', quality: 80 },
  ]),
  record,
});

let endpoint: Awaited<ReturnType<typeof startS3Endpoint>>;
beforeAll(async () => {
  endpoint = await startS3Endpoint();
  await endpoint.createBucket(sourceBucket);
  await endpoint.createBucket(destinationBucket);
});
afterAll(async () => endpoint.stop());

/** Uploads a fixture to the real endpoint, runs the pipeline on it, and reads its record. */
async function recordOf(name: string, record?: Recipe['record']): Promise<MetadataRecord> {
  return recordOfBytes(name, await fixture(name), record);
}

async function recordOfBytes(
  name: string,
  bytes: Buffer,
  record?: Recipe['record'],
): Promise<MetadataRecord> {
  const key = `uploads/${name}`;
  await endpoint.put(sourceBucket, key, bytes);
  const store = new S3ObjectStore(endpoint.s3);
  await processObjectEvent(
    { kind: 'created', eventName: 'ObjectCreated:Put', bucket: sourceBucket, key },
    {
      source: store,
      destination: store,
      settings: pipelineSettings({ destinationBucket, recipes: onlyRecipe(recipe(record)) }),
    },
  );
  const written = await endpoint.get(destinationBucket, recordKey('', key));
  return JSON.parse(written.body.toString('utf8')) as MetadataRecord;
}

describe('the metadata record', () => {
  it('identifies the source by the SHA-256 of its bytes, beside its ETag', async () => {
    const record = await recordOf('Canon_40D.jpg');
    const expected = createHash('sha256')
      .update(await fixture('Canon_40D.jpg'))
      .digest('hex');
    expect(record.source.sha256).toBe(expected);
    expect(record.source.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(record.schemaVersion).toBe(2);
  });

  it('holds the camera, embedded blocks, placeholders and perceptual hash of a photo', async () => {
    const record = await recordOf('Canon_40D.jpg');
    if (record.status !== 'processed') throw new Error(`expected processed, got ${record.status}`);
    expect(record.camera).toMatchObject({
      model: 'Canon EOS 40D',
      capturedAt: '2008-05-30T15:56:01',
    });
    expect(record.embedded).toMatchObject({ iccDescription: 'sRGB IEC61966-2.1', gps: false });
    expect(record.perceptualHash).toMatch(/^[0-9a-f]{16}$/);
    expect(record.placeholders.dataUri).toMatch(/^data:image\/webp;base64,/);
    expect(Object.keys(record.timingsMs)).toEqual(
      expect.arrayContaining([
        'fetch',
        'inspect',
        'decode',
        'describe',
        'encode',
        'upload',
        'total',
      ]),
    );
    expect(record.outputs.every((output) => typeof output.encodeMs === 'number')).toBe(true);
  });

  it('carries the GPS position only when the recipe asks for it', async () => {
    const without = await recordOf('DSCN0010.jpg');
    const withPosition = await recordOf('DSCN0010.jpg', {
      includeGpsPosition: true,
      outputMetadata: false,
    });
    if (without.status !== 'processed' || withPosition.status !== 'processed')
      throw new Error('expected both to be processed');
    expect([without.embedded.gps, without.gpsPosition]).toEqual([true, undefined]);
    expect(withPosition.gpsPosition?.latitude).toBeCloseTo(43.4674, 3);
  });

  it('lists the warnings libvips gave while decoding, and still processes the image', async () => {
    // A PNG whose text chunk has a wrong checksum: libpng warns about it and decodes the pixels.
    const png = await sharp({
      create: { width: 64, height: 48, channels: 3, background: '#336699' },
    })
      .png()
      .toBuffer();
    const text = Buffer.from('Comment\0hi');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(text.length);
    const afterHeader = 8 + 25;
    const damaged = Buffer.concat([
      png.subarray(0, afterHeader),
      length,
      Buffer.from('tEXt'),
      text,
      Buffer.from([1, 2, 3, 4]),
      png.subarray(afterHeader),
    ]);

    const record = await recordOfBytes('damaged-text-chunk.png', damaged);
    expect(record.status).toBe('processed');
    expect(record.status === 'processed' && record.warnings).toEqual([
      'decoder-warning: tEXt: CRC error',
    ]);
  });

  it('is described by the committed JSON Schema, which is generated from the code', async () => {
    const committed = await readFile(`${repository}${recordJsonSchemaPath}`, 'utf8');
    expect(JSON.parse(committed), 'run `npm run schema` and commit the result').toEqual(
      JSON.parse(recordJsonSchemaText()),
    );
  });

  it('validates against the published JSON Schema for photos, animations and rejections', async () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(
      JSON.parse(await readFile(`${repository}${recordJsonSchemaPath}`, 'utf8')),
    );
    const records = [
      await recordOf('Canon_5DMkIII_22MP.jpg'),
      await recordOf('animated_rotating_squares.webp'),
      await recordOf('display_p3.png'),
      await recordOf('Oppo_R7_Plus_13MP_gps.jpg', {
        includeGpsPosition: true,
        outputMetadata: true,
      }),
      await recordOf('broken_corrupt_header.jpg'),
    ];
    expect(records.map((record) => record.status)).toEqual([
      'processed',
      'processed',
      'processed',
      'processed',
      'rejected',
    ]);
    for (const record of records) {
      expect(validate(record), JSON.stringify(validate.errors)).toBe(true);
      expect(MetadataRecordSchema.safeParse(record).success).toBe(true);
    }
    const animated = records[1];
    expect(animated?.status === 'processed' && animated.animation?.frames).toBe(9);
  });

  it("records an APNG's frames and delays, which libvips reads as one still frame", async () => {
    const record = await recordOf('apng_ball.png');
    expect(record.status === 'processed' && record.animation).toEqual({
      frames: 20,
      delaysMs: Array.from({ length: 20 }, () => 75),
      loop: 0,
      durationMs: 1500,
    });
  });
});

describe('the record summary as S3 user metadata on the outputs', () => {
  it('answers a HEAD on any output with the summary, in ASCII within 2 KB', async () => {
    const record = await recordOf('Canon_5DMkIII_22MP.jpg', {
      includeGpsPosition: false,
      outputMetadata: true,
    });
    if (record.status !== 'processed') throw new Error(`expected processed, got ${record.status}`);

    for (const output of record.outputs) {
      const head = await endpoint.s3.send(
        new HeadObjectCommand({ Bucket: destinationBucket, Key: output.key }),
      );
      const metadata = head.Metadata ?? {};
      expect(metadata).toMatchObject({
        'pixelater-role': 'output',
        'pixelater-source-sha256': record.source.sha256,
        'pixelater-perceptual-hash': record.perceptualHash,
        'pixelater-source-width': '5760',
        'pixelater-source-height': '3840',
        'pixelater-gps': 'no',
        'pixelater-camera': 'Canon Canon EOS 5D Mark III',
        'pixelater-captured-at': '2016-01-12T15:33:28',
        'pixelater-thumbhash': record.placeholders.thumbHash,
        'pixelater-icc': 'sRGB IEC61966-2.1',
      });
      const size = Object.entries(metadata).reduce((sum, [k, v]) => sum + k.length + v.length, 0);
      expect(size).toBeLessThanOrEqual(userMetadataLimitBytes);
      expect(Object.values(metadata).every((value) => /^[\x20-\x7e]*$/.test(value))).toBe(true);
    }
  });

  it('folds names to ASCII and leaves entries out rather than pass 2 KB', async () => {
    const record = await recordOf('Canon_40D.jpg');
    if (record.status !== 'processed') throw new Error(`expected processed, got ${record.status}`);
    record.camera.make = 'Ñikon Ångström 東京';
    record.camera.lens = 'L'.repeat(5000);
    record.embedded.iccDescription = 'é'.repeat(3000);
    const metadata = summaryMetadata(record, { 'pixelater-role': 'output' });

    expect(metadata['pixelater-camera']).toBe('Nikon Angstrom ?? Canon EOS 40D');
    const size = Object.entries(metadata).reduce(
      (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v),
      0,
    );
    expect(size).toBeLessThanOrEqual(userMetadataLimitBytes);
    expect(Object.values(metadata).every((value) => /^[\x20-\x7e]*$/.test(value))).toBe(true);
    expect(metadata['pixelater-source-sha256']).toBe(record.source.sha256);
  });

  it('is not written unless the recipe asks for it', async () => {
    const record = await recordOf('Canon_40D.jpg');
    if (record.status !== 'processed') throw new Error(`expected processed, got ${record.status}`);
    const head = await endpoint.s3.send(
      new HeadObjectCommand({ Bucket: destinationBucket, Key: record.outputs[0]!.key }),
    );
    expect(head.Metadata).toEqual({ 'pixelater-role': 'output' });
  });
});
