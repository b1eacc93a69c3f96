import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { functionBundling } from '../../infra/function-bundling.ts';
import { PixelaterStack } from '../../infra/pixelater-stack.ts';
import { defaultMemoryMb, stackOptionsFromContext } from '../../infra/stack-options.ts';
import { ConfigurationError } from '../../src/errors.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Principal?: unknown;
}
interface Resource {
  Type: string;
  Properties: Record<string, unknown> & {
    PolicyDocument?: { Statement: Statement[] };
    AssumeRolePolicyDocument?: { Statement: Statement[] };
    Policies?: Array<{ PolicyDocument: { Statement: Statement[] } }>;
  };
}

let workFolder: string;
let recipe: string;
let stack: PixelaterStack;
let resources: Record<string, Resource>;
let outputs: Record<string, { Value: unknown }>;
let assetFolder: string;
let oneBucket: Record<string, Resource>;

const ofType = (type: string) =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);
const onlyOf = (type: string): Resource => {
  const found = ofType(type);
  expect(found, type).toHaveLength(1);
  return found[0]![1];
};
const idOf = (type: string, match: (resource: Resource) => boolean) =>
  ofType(type).find(([, resource]) => match(resource))?.[0];
const actions = (statement: Statement) => [statement.Action].flat();

beforeAll(() => {
  workFolder = mkdtempSync(join(tmpdir(), 'pixelater-stack-'));
  recipe = join(workFolder, 'my-recipe.json');
  writeFileSync(recipe, JSON.stringify({ name: 'thumbnails-only', outputs: [] }));

  const options = stackOptionsFromContext(
    {
      sourcePrefix: 'uploads/',
      destinationPrefix: 'derived/',
      suffixes: '.jpg,.png',
      recipe,
      maxConcurrency: '5',
      alarmEmail: 'ops@example.com',
    },
    root,
  );
  const app = new App({
    outdir: join(workFolder, 'cdk.out'),
    builtinCloudFormationValidation: false,
  });
  stack = new PixelaterStack(app, 'PixelaterTest', options, {
    env: { account: '111122223333', region: 'eu-west-1' },
  });
  // Same bundling options: the CDK reuses the bundle it just built, in this process.
  const shared = new PixelaterStack(
    app,
    'PixelaterOneBucket',
    stackOptionsFromContext(
      {
        sourceBucket: 'family-photos',
        destinationBucket: 'family-photos',
        sourcePrefix: 'uploads/',
        destinationPrefix: 'derived/',
        recipe,
      },
      root,
    ),
  );
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, Resource>;
    Outputs: Record<string, { Value: unknown }>;
  };
  resources = template.Resources;
  outputs = template.Outputs;

  oneBucket = Template.fromStack(shared).toJSON().Resources as Record<string, Resource>;

  const code = onlyFunction().Properties.Code as { S3Key: string };
  assetFolder = join(app.outdir, `asset.${code.S3Key.replace(/\.zip$/, '')}`);
});

afterAll(() => {
  rmSync(workFolder, { recursive: true, force: true });
});

/** pixelater's function; the CDK adds one of its own that applies bucket notifications. */
function onlyFunction(): Resource {
  const found = resources[idOfConstruct(stack.function)];
  expect(found?.Type).toBe('AWS::Lambda::Function');
  return found!;
}

/** The template's name for one of the stack's constructs. */
const idOfConstruct = (construct: IConstruct) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);
const sourceBucketId = () => idOfConstruct(stack.sourceBucket);
const destinationBucketId = () => idOfConstruct(stack.destinationBucket);
const queueId = () => idOfConstruct(stack.queue);
const logGroupId = () => idOf('AWS::Logs::LogGroup', () => true);

describe('the AWS stack, synthesised offline', () => {
  it('creates both buckets with public access blocked, TLS enforced and encryption on', () => {
    const buckets = ofType('AWS::S3::Bucket');
    expect(buckets).toHaveLength(2);
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      });
      const policy = ofType('AWS::S3::BucketPolicy').find(
        ([, candidate]) => (candidate.Properties.Bucket as { Ref: string }).Ref === id,
      )?.[1];
      expect(policy?.Properties.PolicyDocument?.Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });

  it('sends creations and removals under the source prefix, one filter per suffix, to the queue', () => {
    const notifications = onlyOf('Custom::S3BucketNotifications');
    const { QueueConfigurations } = notifications.Properties.NotificationConfiguration as {
      QueueConfigurations: Array<{ Events: string[]; Filter: unknown; QueueArn: unknown }>;
    };
    const filter = (suffix: string) => ({
      Key: {
        FilterRules: [
          { Name: 'suffix', Value: suffix },
          { Name: 'prefix', Value: 'uploads/' },
        ],
      },
    });
    expect(QueueConfigurations).toHaveLength(4);
    for (const suffix of ['.jpg', '.png']) {
      for (const events of [['s3:ObjectCreated:*'], ['s3:ObjectRemoved:*']]) {
        expect(QueueConfigurations).toContainEqual({
          Events: events,
          Filter: filter(suffix),
          QueueArn: { 'Fn::GetAtt': [queueId(), 'Arn'] },
        });
      }
    }
  });

  it('lets only the source bucket send to the queue, over TLS', () => {
    const policy = ofType('AWS::SQS::QueuePolicy').find(([, candidate]) =>
      (candidate.Properties.Queues as Array<{ Ref: string }>).some(
        (queue) => queue.Ref === queueId(),
      ),
    )?.[1];
    const statements = policy?.Properties.PolicyDocument?.Statement ?? [];
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 's3.amazonaws.com' },
        Action: expect.arrayContaining(['sqs:SendMessage']),
        Condition: { ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [sourceBucketId(), 'Arn'] } } },
      }),
    );
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('moves a message to the encrypted dead-letter queue after three receives', () => {
    const queues = ofType('AWS::SQS::Queue');
    expect(queues).toHaveLength(2);
    const main = resources[queueId()];
    const deadLetterId = idOfConstruct(stack.deadLetterQueue);

    expect(main?.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [deadLetterId, 'Arn'] },
      maxReceiveCount: 3,
    });
    expect(main?.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * 120);
    for (const [, queue] of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('consumes the queue with partial batch responses, a batch size, a window and a concurrency cap', () => {
    expect(onlyOf('AWS::Lambda::EventSourceMapping').Properties).toMatchObject({
      BatchSize: 4,
      MaximumBatchingWindowInSeconds: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('runs the handler on Node.js 22, arm64, with the measured memory and its settings', () => {
    const { Properties } = onlyFunction();
    expect(Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: defaultMemoryMb,
      Timeout: 120,
    });
    expect((Properties.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      DESTINATION_BUCKET: { Ref: destinationBucketId() },
      DESTINATION_PREFIX: 'derived/',
      SOURCE_BUCKET: { Ref: sourceBucketId() },
      SOURCE_PREFIX: 'uploads/',
      MAX_INPUT_BYTES: '104857600',
      MAX_PIXELS: '50000000',
      NODE_OPTIONS: '--enable-source-maps',
      FACE_MODEL_PATH: '/var/task/models/ultraface-rfb-320.onnx',
      TEXT_MODEL_PATH: '/var/task/models/pp-ocrv4-det.onnx',
    });
  });

  it('writes the function logs to a log group kept for 30 days', () => {
    const logGroup = onlyOf('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(30);
    expect(onlyFunction().Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroupId() } });
  });

  it('grants no wildcard action anywhere', () => {
    const allows: Statement[] = Object.values(resources).flatMap((resource) =>
      [
        ...(resource.Properties?.PolicyDocument?.Statement ?? []),
        ...(resource.Properties?.AssumeRolePolicyDocument?.Statement ?? []),
        ...(resource.Properties?.Policies ?? []).flatMap(
          (policy) => policy.PolicyDocument.Statement,
        ),
      ].filter((statement) => statement.Effect === 'Allow'),
    );
    expect(allows.length).toBeGreaterThan(5);
    for (const statement of allows) {
      for (const action of actions(statement)) expect(action).not.toContain('*');
    }
  });

  it('scopes the function to reading sources, writing derivatives and consuming its queue', () => {
    const roleId = (onlyFunction().Properties.Role as { 'Fn::GetAtt': [string, string] })[
      'Fn::GetAtt'
    ][0];
    expect(resources[roleId]?.Properties.ManagedPolicyArns).toBeUndefined();
    const statements = ofType('AWS::IAM::Policy')
      .filter(([, policy]) =>
        (policy.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === roleId),
      )
      .flatMap(([, policy]) => policy.Properties.PolicyDocument?.Statement ?? []);

    const source = { 'Fn::GetAtt': [sourceBucketId(), 'Arn'] };
    const destination = { 'Fn::GetAtt': [destinationBucketId(), 'Arn'] };
    const queue = { 'Fn::GetAtt': [queueId(), 'Arn'] };
    const logGroup = { 'Fn::GetAtt': [logGroupId(), 'Arn'] };
    const objects = (bucket: unknown, prefix: string) => ({
      'Fn::Join': ['', [bucket, `/${prefix}*`]],
    });

    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: logGroup,
      },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objects(source, 'uploads/') },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: objects(destination, 'derived/'),
      },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: [source, destination] },
      {
        Effect: 'Allow',
        Action: [
          'sqs:ReceiveMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:GetQueueUrl',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
        ],
        Resource: queue,
      },
    ]);
  });

  it('raises an alarm on a non-empty dead-letter queue and on function errors, to the topic', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    const topicId = idOf('AWS::SNS::Topic', () => true);
    expect(alarms).toHaveLength(2);
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: topicId }],
      }),
    );
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Threshold: 1,
        AlarmActions: [{ Ref: topicId }],
      }),
    );
    expect(onlyOf('AWS::SNS::Subscription').Properties).toMatchObject({
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('outputs the bucket names, the queue URLs and the command to upload a test image', () => {
    expect(Object.keys(outputs).sort()).toEqual([
      'DeadLetterQueueUrl',
      'DestinationBucketName',
      'FunctionName',
      'ListOutputs',
      'QueueUrl',
      'SourceBucketName',
      'UploadTestImage',
    ]);
    expect(JSON.stringify(outputs.UploadTestImage?.Value)).toContain('aws s3 cp photo.jpg s3://');
    expect(JSON.stringify(outputs.UploadTestImage?.Value)).toContain('/uploads/photo.jpg');
  });

  it("bundles sharp's linux-arm64 binary and libvips, not the build machine's", () => {
    const binaries = join(assetFolder, 'node_modules/@img/sharp-linux-arm64/lib');
    const [binary] = readdirSync(binaries).filter((name) => name.endsWith('.node'));
    expect(binary).toMatch(/^sharp-linux-arm64-[\d.]+\.node$/);
    const header = readFileSync(join(binaries, binary ?? ''));
    // ELF, 64-bit, and e_machine 183 (EM_AARCH64) at offset 18.
    expect(header.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(header.readUInt16LE(18)).toBe(183);

    const libvips = readdirSync(
      join(assetFolder, 'node_modules/@img/sharp-libvips-linux-arm64/lib'),
    );
    expect(libvips.some((name) => name.startsWith('libvips-cpp.so'))).toBe(true);
    expect(existsSync(join(assetFolder, 'node_modules/@img/sharp-linux-x64'))).toBe(false);
    expect(existsSync(join(assetFolder, 'index.mjs'))).toBe(true);
  });

  it('installs the HEIC decoder beside the bundle, where its worker thread loads it', () => {
    expect(existsSync(join(assetFolder, 'node_modules/heic-decode/index.js'))).toBe(true);
    expect(existsSync(join(assetFolder, 'node_modules/libheif-js/package.json'))).toBe(true);
    expect(readFileSync(join(assetFolder, 'index.mjs'), 'utf8')).not.toContain('HeifDecoder');
  });

  it("bundles onnxruntime's linux-arm64 binding and library and the models, no other platform", () => {
    const runtime = join(assetFolder, 'node_modules/onnxruntime-node');
    const binding = readFileSync(join(runtime, 'bin/napi-v6/linux/arm64/onnxruntime_binding.node'));
    expect(binding.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(binding.readUInt16LE(18)).toBe(183);
    const library = readFileSync(join(runtime, 'bin/napi-v6/linux/arm64/libonnxruntime.so.1'));
    expect(library.readUInt16LE(18)).toBe(183);
    expect(readdirSync(join(runtime, 'bin/napi-v6'))).toEqual(['linux']);
    expect(readdirSync(join(runtime, 'bin/napi-v6/linux'))).toEqual(['arm64']);
    expect(existsSync(join(runtime, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(assetFolder, 'node_modules/onnxruntime-common/package.json'))).toBe(
      true,
    );
    for (const model of ['ultraface-rfb-320.onnx', 'pp-ocrv4-det.onnx']) {
      expect(readFileSync(join(assetFolder, 'models', model))).toEqual(
        readFileSync(join(root, 'models', model)),
      );
    }
  });

  it('fails the build when the arm64 binaries are missing from the bundle, naming the file', () => {
    const hooks = functionBundling(undefined).commandHooks!;
    const check = (folder: string) =>
      spawnSync('bash', ['-c', hooks.afterBundling(root, folder).join(' && ')], {
        encoding: 'utf8',
      });

    expect(check(assetFolder).status).toBe(0);
    const empty = mkdtempSync(join(workFolder, 'empty-bundle-'));
    const failed = check(empty);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('@img/sharp-linux-arm64');
    expect(failed.stderr).toContain('sharp cannot load on Lambda (arm64)');
  });

  it('bundles the recipe file at the root of the asset, where the function starts', () => {
    expect(readFileSync(join(assetFolder, 'pixelater.config.json'), 'utf8')).toBe(
      readFileSync(recipe, 'utf8'),
    );
  });

  it('shares an existing bucket between sources and derivatives under separate prefixes', () => {
    const types = Object.values(oneBucket).map((resource) => resource.Type);
    expect(types).not.toContain('AWS::S3::Bucket');
    expect(types).not.toContain('AWS::S3::BucketPolicy');
    const notifications = Object.values(oneBucket).find(
      (resource) => resource.Type === 'Custom::S3BucketNotifications',
    );
    // Managed: false merges with the bucket's existing notifications instead of replacing them.
    expect(notifications?.Properties).toMatchObject({
      BucketName: 'family-photos',
      Managed: false,
    });

    const arn = (path: string) => ({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::family-photos${path}`]],
    });
    const statements = Object.values(oneBucket)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap((policy) => policy.Properties.PolicyDocument?.Statement ?? [])
      .filter((statement) => actions(statement).some((action) => action.startsWith('s3:')))
      .filter((statement) => !actions(statement).some((action) => action.includes('Notification')));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: arn('/uploads/*') },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: arn('/derived/*'),
      },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: arn('') },
    ]);
  });

  it('refuses, before building anything, outputs that would trigger processing again', () => {
    const options = stackOptionsFromContext(
      { sourceBucket: 'photos', destinationBucket: 'photos', destinationPrefix: '' },
      workFolder,
    );
    const app = new App({
      outdir: join(workFolder, 'looping'),
      builtinCloudFormationValidation: false,
    });
    expect(() => new PixelaterStack(app, 'Looping', options)).toThrow(ConfigurationError);
    expect(() => new PixelaterStack(app, 'LoopingAgain', options)).toThrow(
      /source and destination bucket are both 'photos'/,
    );
  });
});
