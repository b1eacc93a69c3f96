import { fileURLToPath } from 'node:url';

import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  EventType,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

import { assertNoLoop, pipelineSettings } from '../src/pipeline/settings.ts';
import { detectionEnvironment, functionBundling } from './function-bundling.ts';
import type { StackOptions } from './stack-options.ts';

const repositoryRoot = fileURLToPath(new URL('../', import.meta.url));

/**
 * pixelater on AWS: uploads to the source bucket are announced by S3 to a queue, and the
 * same handler the local stack runs consumes it, writing outputs and records to the
 * destination bucket. Failed messages are retried, then parked in a dead-letter queue
 * that raises an alarm.
 *
 * @example
 * new PixelaterStack(app, 'Pixelater', stackOptionsFromContext({ sourceBucket: 'photos' }, root));
 * @throws {ConfigurationError} when the outputs would land where they trigger processing again.
 */
export class PixelaterStack extends Stack {
  readonly sourceBucket: IBucket;
  readonly destinationBucket: IBucket;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly function: NodejsFunction;

  constructor(scope: Construct, id: string, options: StackOptions, props: StackProps = {}) {
    super(scope, id, {
      description: 'pixelater: S3 uploads to pixelated and resized copies',
      ...props,
    });
    const { sourceBucket, destinationBucket, sourcePrefix, destinationPrefix } = options;
    const oneBucket = sourceBucket !== undefined && sourceBucket === destinationBucket;
    // The handler refuses this set-up at start-up; refusing it here saves a broken deploy.
    if (oneBucket) {
      assertNoLoop(
        sourceBucket,
        sourcePrefix,
        pipelineSettings({ destinationBucket: sourceBucket, destinationPrefix }),
      );
    }

    this.sourceBucket = this.bucket('SourceBucket', sourceBucket);
    this.destinationBucket = oneBucket
      ? this.sourceBucket
      : this.bucket('DestinationBucket', destinationBucket);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, 'Queue', {
      // SSE-SQS, not KMS: S3 cannot send to a queue encrypted with the AWS-managed KMS key.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Six times the function's timeout, as AWS advises for queues that feed Lambda.
      visibilityTimeout: Duration.seconds(
        6 * options.timeoutSeconds + options.batchingWindowSeconds,
      ),
      retentionPeriod: Duration.days(4),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: options.maxReceiveCount },
    });
    this.notifyQueue(options);

    this.function = this.imageFunction(options);
    this.alarms(options);
    this.outputs(options);
  }

  private bucket(id: string, importedName: string | undefined): IBucket {
    // LIMITATION: an imported bucket keeps its own public access, TLS and encryption settings,
    // and the function gets no kms:Decrypt, so a bucket encrypted with a customer KMS key
    // cannot be read or written until that grant is added by hand.
    if (importedName) return Bucket.fromBucketName(this, id, importedName);
    return new Bucket(this, id, {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // Photos and their derivatives outlive the stack: removing it leaves both buckets.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Creations and removals under the source prefix, one filter per suffix (S3 takes one). */
  private notifyQueue(options: StackOptions): void {
    const destination = new SqsDestination(this.queue);
    const filters = (options.suffixes.length > 0 ? options.suffixes : [undefined]).map(
      (suffix) => ({
        ...(options.sourcePrefix ? { prefix: options.sourcePrefix } : {}),
        ...(suffix ? { suffix } : {}),
      }),
    );
    for (const filter of filters) {
      // The CDK refuses an empty filter: no prefix and no suffix means no filter at all.
      const given = Object.keys(filter).length > 0 ? [filter] : [];
      this.sourceBucket.addEventNotification(EventType.OBJECT_CREATED, destination, ...given);
      this.sourceBucket.addEventNotification(EventType.OBJECT_REMOVED, destination, ...given);
    }
  }

  private imageFunction(options: StackOptions): NodejsFunction {
    const logGroup = new LogGroup(this, 'FunctionLogs', {
      retention: options.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // A role of its own, so that no managed policy with `Resource: *` comes with it.
    const role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'pixelater: read sources, write and delete derivatives, consume the queue',
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    this.grantStorage(role, options);

    const fn = new NodejsFunction(this, 'Function', {
      description: 'pixelater: one upload in, pixelated and resized copies and a record out',
      entry: `${repositoryRoot}src/lambda/handler.ts`,
      handler: 'handler',
      projectRoot: repositoryRoot,
      depsLockFilePath: `${repositoryRoot}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: options.memoryMb,
      timeout: Duration.seconds(options.timeoutSeconds),
      role,
      logGroup,
      environment: {
        DESTINATION_BUCKET: this.destinationBucket.bucketName,
        DESTINATION_PREFIX: options.destinationPrefix,
        SOURCE_BUCKET: this.sourceBucket.bucketName,
        SOURCE_PREFIX: options.sourcePrefix,
        MAX_INPUT_BYTES: String(options.maxInputBytes),
        MAX_PIXELS: String(options.maxPixels),
        NODE_OPTIONS: '--enable-source-maps',
        ...detectionEnvironment,
      },
      bundling: functionBundling(options.recipeFile),
    });
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: options.batchSize,
        maxBatchingWindow: Duration.seconds(options.batchingWindowSeconds),
        reportBatchItemFailures: true,
        ...(options.maxConcurrency ? { maxConcurrency: options.maxConcurrency } : {}),
      }),
    );
    return fn;
  }

  /**
   * Read on the source prefix; read, write and delete on the destination prefix. HEAD and
   * GET of a missing key answer 403 instead of 404 without s3:ListBucket on the bucket, and
   * the pipeline needs the 404 to tell "not there" from a fault, hence ListBucket on both.
   */
  private grantStorage(role: Role, options: StackOptions): void {
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [this.sourceBucket.arnForObjects(`${options.sourcePrefix}*`)],
      }),
    );
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        resources: [this.destinationBucket.arnForObjects(`${options.destinationPrefix}*`)],
      }),
    );
    const buckets = [this.sourceBucket, this.destinationBucket];
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [...new Set(buckets.map((bucket) => bucket.bucketArn))],
      }),
    );
  }

  private alarms(options: StackOptions): void {
    const topic = this.alarmTopic(options);
    const alarms = [
      new Alarm(this, 'DeadLetterQueueNotEmpty', {
        alarmDescription:
          'pixelater: messages that failed every retry are waiting in the dead-letter queue',
        metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(5),
          statistic: 'Maximum',
        }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      new Alarm(this, 'FunctionErrors', {
        alarmDescription:
          'pixelater: the function failed whole invocations (start-up, timeout, memory)',
        metric: this.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    ];
    if (!topic) return;
    for (const alarm of alarms) alarm.addAlarmAction(new SnsAction(topic));
  }

  private alarmTopic(options: StackOptions): ITopic | undefined {
    if (options.alarmTopicArn) {
      return Topic.fromTopicArn(this, 'AlarmTopic', options.alarmTopicArn);
    }
    if (!options.alarmEmail) return undefined;
    const topic = new Topic(this, 'AlarmTopic', { enforceSSL: true });
    topic.addSubscription(new EmailSubscription(options.alarmEmail));
    return topic;
  }

  private outputs(options: StackOptions): void {
    const source = this.sourceBucket.bucketName;
    const destination = this.destinationBucket.bucketName;
    new CfnOutput(this, 'SourceBucketName', { value: source });
    new CfnOutput(this, 'DestinationBucketName', { value: destination });
    new CfnOutput(this, 'QueueUrl', { value: this.queue.queueUrl });
    new CfnOutput(this, 'DeadLetterQueueUrl', { value: this.deadLetterQueue.queueUrl });
    new CfnOutput(this, 'FunctionName', { value: this.function.functionName });
    new CfnOutput(this, 'UploadTestImage', {
      description: 'Uploads photo.jpg; its outputs appear under the destination within seconds',
      value: `aws s3 cp photo.jpg s3://${source}/${options.sourcePrefix}photo.jpg`,
    });
    new CfnOutput(this, 'ListOutputs', {
      value: `aws s3 ls --recursive s3://${destination}/${options.destinationPrefix}${options.sourcePrefix}photo.jpg/`,
    });
  }
}
