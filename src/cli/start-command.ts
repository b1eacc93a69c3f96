import { PutObjectCommand } from '@aws-sdk/client-s3';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

import { DeliveryFailures } from '../gallery/delivery-failures.ts';
import { type Gallery, startGallery } from '../gallery/start-gallery.ts';
import { type LocalStack, startLocalStack } from '../local/local-stack.ts';
import type { InvocationReport } from '../pipeline/handle-invocation.ts';
import { loadRecipes } from '../recipe/load-config.ts';
import type { PresetName } from '../recipe/presets.ts';

const samplesFolder = fileURLToPath(new URL('../../samples/', import.meta.url));

export interface StartOptions {
  port: number;
  galleryPort: number;
  demo: boolean;
  config?: string;
  /** A built-in recipe instead of a recipe file. */
  preset?: PresetName;
}

/** `pixelater start`: the local stack and its gallery page, until Ctrl-C. */
export async function runStart(options: StartOptions): Promise<number> {
  const failures = new DeliveryFailures();
  const { recipes, file, preset } = loadRecipes(options.config, process.cwd(), options.preset);
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      port: options.port,
      settings: { recipes },
      onReport: (report) => {
        failures.record(report);
        printReport(report);
      },
    });
  } catch (error) {
    if (!isPortInUse(error)) throw error;
    console.error(
      `pixelater: port ${options.port} is already in use; choose another with --port <number>`,
    );
    return 1;
  }

  let gallery: Gallery;
  try {
    gallery = await startGallery({ stack, port: options.galleryPort, failures });
  } catch (error) {
    await stack.stop();
    if (!isPortInUse(error)) throw error;
    console.error(
      `pixelater: port ${options.galleryPort} is already in use; choose another with --gallery-port <number>`,
    );
    return 1;
  }
  printWelcome(stack, gallery);
  console.log(
    preset
      ? `built-in preset '${preset}'\n`
      : file
        ? `recipes from ${file}\n`
        : 'built-in default recipe (no pixelater.config.json)\n',
  );

  if (options.demo) await uploadSamples(stack);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('\nstopping...');
  await gallery.stop();
  await stack.stop();
  return 0;
}

function isPortInUse(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
}

function printWelcome(stack: LocalStack, gallery: Gallery) {
  const { endpoint, sourceBucket, destinationBucket, credentials, region } = stack;
  console.log(`pixelater local stack is running.

  gallery             ${gallery.url}
  S3 endpoint         ${endpoint}
  source bucket       ${sourceBucket}
  destination bucket  ${destinationBucket}
  credentials         access key '${credentials.accessKeyId}', secret '${credentials.secretAccessKey}', region ${region}

Try it (in another terminal):

  export AWS_ACCESS_KEY_ID=${credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey} AWS_DEFAULT_REGION=${region}
  aws --endpoint-url ${endpoint} s3 cp samples/waterfall-sideways.jpg s3://${sourceBucket}/photo.jpg
  aws --endpoint-url ${endpoint} s3 ls --recursive s3://${destinationBucket}/

Press Ctrl-C to stop; everything is kept in memory and is gone when it stops.
`);
}

async function uploadSamples(stack: LocalStack) {
  const files = (await readdir(samplesFolder)).filter((name) => !name.endsWith('.md'));
  for (const name of files) {
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.sourceBucket,
        Key: `samples/${name}`,
        Body: await readFile(`${samplesFolder}${name}`),
      }),
    );
    console.log(`uploaded   samples/${name}`);
  }
}

function printReport(report: InvocationReport) {
  for (const message of report.messages) {
    for (const outcome of message.outcomes) {
      if (outcome.status === 'processed') {
        console.log(
          `processed  ${outcome.key} -> ${outcome.outputs.length} outputs, record ${outcome.recordKey}`,
        );
      } else if (outcome.status === 'rejected') {
        const where = outcome.recordKey ? `record ${outcome.recordKey}` : 'no record';
        console.log(`rejected   ${outcome.key}: ${outcome.reason} (${where})`);
      } else if (outcome.status === 'removed') {
        console.log(`removed    ${outcome.key}: ${outcome.deleted} derived objects deleted`);
      } else console.log(`skipped    ${outcome.key}: ${outcome.reason}`);
    }
    if (message.failed) console.log(`failed     message ${message.messageId}: will be retried`);
  }
}
