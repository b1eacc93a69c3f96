import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type LocalStack, startLocalStack } from '../../src/local/local-stack.ts';
import { fixture, fixturePath } from '../support/fixtures.ts';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ port: 0 });
});
afterAll(async () => {
  await stack.stop();
});

async function waitForRecord(key: string, timeoutMs = 20_000): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await stack.s3.send(
        new GetObjectCommand({ Bucket: stack.destinationBucket, Key: `${key}/metadata.json` }),
      );
      return JSON.parse(await response.Body!.transformToString());
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`no record for ${key} after ${timeoutMs} ms`);
}

async function read(key: string): Promise<Buffer> {
  const response = await stack.s3.send(
    new GetObjectCommand({ Bucket: stack.destinationBucket, Key: key }),
  );
  return Buffer.from(await response.Body!.transformToByteArray());
}

describe('the local stack, over HTTP with the AWS SDK and its default settings', () => {
  it('turns an upload into upright outputs and a record, through the queue and the handler', async () => {
    const original = await fixture('Landscape_6.jpg');
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.sourceBucket,
        Key: 'phone/side ways+1.jpg',
        Body: original,
      }),
    );
    const record = await waitForRecord('phone/side ways+1.jpg');

    expect(record).toMatchObject({
      status: 'processed',
      source: { bucket: stack.sourceBucket, key: 'phone/side ways+1.jpg', bytes: original.length },
      image: {
        format: 'jpeg',
        width: 1800,
        height: 1200,
        storedWidth: 1200,
        storedHeight: 1800,
        orientation: 6,
      },
    });
    expect(record.source.etag).toMatch(/^[0-9a-f]{32}$/);
    expect(record.outputs).toHaveLength(13);
    const pixelated = await sharp(
      await read('phone/side ways+1.jpg/pixelated-grid-32.jpg'),
    ).metadata();
    expect([pixelated.width, pixelated.height, pixelated.exif]).toEqual([1800, 1200, undefined]);
  });

  it('keeps a streamed upload with the SDK default checksums byte for byte', async () => {
    const path = fixturePath('Canon_5DMkIII_22MP.jpg');
    const upload = new Upload({
      client: stack.s3,
      params: { Bucket: stack.sourceBucket, Key: 'camera/big.jpg', Body: createReadStream(path) },
      partSize: 5 * 1024 * 1024,
    });
    await upload.done();
    const head = await stack.s3.send(
      new HeadObjectCommand({ Bucket: stack.sourceBucket, Key: 'camera/big.jpg' }),
    );
    expect(head.ContentLength).toBe((await fixture('Canon_5DMkIII_22MP.jpg')).length);

    const record = await waitForRecord('camera/big.jpg', 40_000);
    expect(record.image).toMatchObject({ width: 5760, height: 3840 });
    const w1920 = record.outputs.find((output: { name: string }) => output.name === 'w1920.webp');
    expect([w1920.width, w1920.height]).toEqual([1920, 1280]);
  });

  it('processes keys with dot-dot segments under the key as uploaded, as S3 does', async () => {
    const photo = await fixture('tiny_2x2.png');
    for (const key of ['../escape.png', 'a/../../b.png']) {
      await stack.s3.send(
        new PutObjectCommand({ Bucket: stack.sourceBucket, Key: key, Body: photo }),
      );
      expect((await waitForRecord(key)).source.key).toBe(key);
    }
  });

  it('writes a rejection record for a file that is not an image, and keeps going', async () => {
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.sourceBucket,
        Key: 'docs/readme.jpg',
        Body: '%PDF-1.4 hello',
      }),
    );
    const record = await waitForRecord('docs/readme.jpg');
    expect(record).toMatchObject({ status: 'rejected', rejection: { check: 'not-an-image' } });
    expect(record.rejection.reason).toBe("not an image (starts with '%PDF-1.4')");
  });

  it('deletes what was made from a source when the source is deleted', async () => {
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.sourceBucket,
        Key: 'gone.png',
        Body: await fixture('tiny_2x2.png'),
      }),
    );
    await waitForRecord('gone.png');
    await stack.s3.send(new DeleteObjectCommand({ Bucket: stack.sourceBucket, Key: 'gone.png' }));
    const deadline = Date.now() + 20_000;
    let remaining = 1;
    while (remaining > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const listed = await stack.s3.send(
        new (await import('@aws-sdk/client-s3')).ListObjectsV2Command({
          Bucket: stack.destinationBucket,
          Prefix: 'gone.png/',
        }),
      );
      remaining = listed.KeyCount ?? 0;
    }
    expect(remaining).toBe(0);
  });
});
