import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PixelaterStack } from '../../infra/pixelater-stack.ts';
import { stackOptionsFromContext } from '../../infra/stack-options.ts';
import { encodeObjectKey } from '../../src/events/decode-object-key.ts';
import { fixture } from '../support/fixtures.ts';
import { startS3Endpoint } from '../support/s3-endpoint.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const sourceBucket = 'pixelater-deployed-photos';
const destinationBucket = 'pixelater-deployed-derivatives';
const queueArn = 'arn:aws:sqs:eu-west-1:111122223333:Pixelater-Queue4A7E3555-AbCdEf012345';

interface FunctionResource {
  Properties: { Environment: { Variables: Record<string, unknown> }; Code: { S3Key: string } };
}

let workFolder: string;
let endpoint: Awaited<ReturnType<typeof startS3Endpoint>>;
let template: Template;
let environment: Record<string, string>;
let handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
/** Every upload in these tests; its notifications carry its real size and ETag. */
let photo: Buffer;
const savedEnvironment = { ...process.env };

/**
 * One SQS record as Lambda's event source mapping hands it over from the stack's queue:
 * the body is the S3 event notification as S3 sent it, key form-encoded.
 */
function queueRecord(body: unknown, messageId: string): SQSRecord {
  const text = JSON.stringify(body);
  return {
    messageId,
    receiptHandle: `AQEB${messageId}`,
    body: text,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1733259600000',
      SenderId: 'AROAEXAMPLES3SENDER:S3-PROD-END',
      ApproximateFirstReceiveTimestamp: '1733259600012',
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(text).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'eu-west-1',
  };
}

function s3Notification(
  eventName: string,
  bucket: string,
  key: string,
  sequencer: string,
  body: Buffer = photo,
) {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventTime: '2026-12-03T21:40:00.000Z',
        eventName,
        userIdentity: { principalId: 'AWS:AIDAEXAMPLEUPLOADER' },
        requestParameters: { sourceIPAddress: '198.51.100.7' },
        responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURI' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'ZjE2OTU4NDktNmI3Ni00ZjA1LWI5YTMtZjY2MzdiZDZmMzlk',
          bucket: {
            name: bucket,
            ownerIdentity: { principalId: 'A3EXAMPLEOWNER' },
            arn: `arn:aws:s3:::${bucket}`,
          },
          object: {
            key: encodeObjectKey(key),
            ...(eventName.startsWith('ObjectCreated')
              ? { size: body.length, eTag: createHash('md5').update(body).digest('hex') }
              : {}),
            sequencer,
          },
        },
      },
    ],
  };
}

/** What S3 sends to the queue once, when the stack configures the bucket's notifications. */
const testEvent = {
  Service: 'Amazon S3',
  Event: 's3:TestEvent',
  Time: '2026-12-03T21:39:00.000Z',
  Bucket: sourceBucket,
  RequestId: '5582815E1AEA5ADF',
  HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE',
};

beforeAll(async () => {
  workFolder = mkdtempSync(join(tmpdir(), 'pixelater-delivery-'));
  photo = await fixture('Canon_40D.jpg');
  endpoint = await startS3Endpoint();
  await endpoint.createBucket(sourceBucket);
  await endpoint.createBucket(destinationBucket);

  const options = stackOptionsFromContext(
    { sourceBucket, destinationBucket, sourcePrefix: 'uploads/', destinationPrefix: 'derived/' },
    root,
  );
  const app = new App({
    outdir: join(workFolder, 'cdk.out'),
    builtinCloudFormationValidation: false,
  });
  const stack = new PixelaterStack(app, 'PixelaterImported', options, {
    env: { account: '111122223333', region: 'eu-west-1' },
  });
  template = Template.fromStack(stack);
  const functionId = stack.getLogicalId(stack.function.node.defaultChild as CfnElement);
  const fn = template.toJSON().Resources[functionId] as FunctionResource;

  // The bundle exactly as deployed; only sharp resolves to this machine's build of it.
  const asset = join(app.outdir, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
  copyFileSync(join(asset, 'index.mjs'), join(workFolder, 'index.mjs'));
  copyFileSync(join(asset, 'index.mjs.map'), join(workFolder, 'index.mjs.map'));
  symlinkSync(join(root, 'node_modules'), join(workFolder, 'node_modules'));

  environment = Object.fromEntries(
    Object.entries(fn.Properties.Environment.Variables).map(([name, value]) => {
      expect(typeof value, name).toBe('string');
      return [name, value as string];
    }),
  );
  const { NODE_OPTIONS: _sourceMaps, ...settings } = environment;
  Object.assign(process.env, settings, {
    AWS_ENDPOINT_URL_S3: endpoint.address,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
  const bundle = (await import(pathToFileURL(join(workFolder, 'index.mjs')).href)) as {
    handler: typeof handler;
  };
  handler = bundle.handler;
});

afterAll(async () => {
  process.env = savedEnvironment;
  await endpoint?.stop();
  rmSync(workFolder, { recursive: true, force: true });
});

describe('the deployed function, fed as the stack’s queue feeds it, against a real S3 endpoint', () => {
  it('loads in a plain Node process, as Lambda loads it, not only under the test runner', async () => {
    // vitest supplies CommonJS globals such as __dirname to what it imports; Lambda does not.
    const script = `await import(${JSON.stringify(pathToFileURL(join(workFolder, 'index.mjs')).href)});`;
    const { stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, ...environment, NODE_OPTIONS: '' },
    });
    expect(stderr).not.toMatch(/ReferenceError|Error \[/);
  });

  it('is configured with the imported buckets by name and changes neither bucket', () => {
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('AWS::S3::BucketPolicy', 0);
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: sourceBucket,
      Managed: false,
    });
    expect(environment).toMatchObject({
      DESTINATION_BUCKET: destinationBucket,
      DESTINATION_PREFIX: 'derived/',
      SOURCE_BUCKET: sourceBucket,
      SOURCE_PREFIX: 'uploads/',
    });
  });

  it('processes an upload whose notification arrives as an SQS message body, test event beside it', async () => {
    const key = 'uploads/holiday photos/beach+sun (1).jpg';
    await endpoint.put(sourceBucket, key, photo);

    const response = await handler({
      Records: [
        queueRecord(testEvent, 'a1b2c3d4-0000-4000-8000-000000000001'),
        queueRecord(
          s3Notification('ObjectCreated:Put', sourceBucket, key, '0067A1B2C3D4E5F601'),
          'a1b2c3d4-0000-4000-8000-000000000002',
        ),
      ],
    });

    expect(response).toEqual({ batchItemFailures: [] });
    const keys = await endpoint.keys(destinationBucket);
    expect(keys).toHaveLength(14);
    expect(keys.every((written) => written.startsWith(`derived/${key}/`))).toBe(true);
    const record = JSON.parse(
      (await endpoint.get(destinationBucket, `derived/${key}/metadata.json`)).body.toString(),
    );
    expect(record).toMatchObject({
      status: 'processed',
      source: { bucket: sourceBucket, key },
      image: { width: 100, height: 68 },
    });
    const thumbnail = await endpoint.get(destinationBucket, `derived/${key}/w320.webp`);
    expect(await sharp(thumbnail.body).metadata()).toMatchObject({ format: 'webp', width: 100 });
  });

  it('decodes an iPhone HEIC in its worker thread, as the bundle runs on Lambda', async () => {
    const key = 'uploads/iphone.heic';
    const heic = await fixture('iPhone11Pro_IMG_2929.HEIC');
    await endpoint.put(sourceBucket, key, heic);
    const created = s3Notification(
      'ObjectCreated:Put',
      sourceBucket,
      key,
      '0067A1B2C3D4E5F605',
      heic,
    );
    const response = await handler({
      Records: [queueRecord(created, 'a1b2c3d4-0000-4000-8000-000000000005')],
    });

    expect(response).toEqual({ batchItemFailures: [] });
    const record = JSON.parse(
      (await endpoint.get(destinationBucket, `derived/${key}/metadata.json`)).body.toString(),
    );
    expect(record).toMatchObject({
      status: 'processed',
      image: { format: 'heif', compression: 'hevc', width: 3024, height: 4032 },
    });
  });

  it('deletes the derivatives when the queue delivers the removal', async () => {
    const key = 'uploads/to-remove.jpg';
    await endpoint.put(sourceBucket, key, photo);
    const created = s3Notification('ObjectCreated:Put', sourceBucket, key, '0067A1B2C3D4E5F610');
    await handler({ Records: [queueRecord(created, 'b1b2c3d4-0000-4000-8000-000000000001')] });
    expect(await endpoint.keys(destinationBucket, `derived/${key}/`)).toHaveLength(14);

    await endpoint.s3.send(new DeleteObjectCommand({ Bucket: sourceBucket, Key: key }));
    const removed = s3Notification('ObjectRemoved:Delete', sourceBucket, key, '0067A1B2C3D4E5F620');
    const response = await handler({
      Records: [queueRecord(removed, 'b1b2c3d4-0000-4000-8000-000000000002')],
    });

    expect(response).toEqual({ batchItemFailures: [] });
    expect(await endpoint.keys(destinationBucket, `derived/${key}/`)).toEqual([]);
  });

  it('names only the message that failed, so that the queue retries just that one', async () => {
    const key = 'uploads/fine.jpg';
    await endpoint.put(sourceBucket, key, photo);
    const good = s3Notification('ObjectCreated:Put', sourceBucket, key, '0067A1B2C3D4E5F630');
    const unreachable = s3Notification(
      'ObjectCreated:Put',
      'pixelater-bucket-that-does-not-exist',
      'uploads/lost.jpg',
      '0067A1B2C3D4E5F631',
    );

    const response = await handler({
      Records: [
        queueRecord(unreachable, 'c1b2c3d4-0000-4000-8000-000000000001'),
        queueRecord(good, 'c1b2c3d4-0000-4000-8000-000000000002'),
      ],
    });

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: 'c1b2c3d4-0000-4000-8000-000000000001' }],
    });
    expect(await endpoint.keys(destinationBucket, `derived/${key}/`)).toHaveLength(14);
  });
});
