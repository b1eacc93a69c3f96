import { S3Client } from '@aws-sdk/client-s3';

import { S3ObjectStore, storageTimeouts } from '../storage/s3-object-store.ts';
import { createHandler } from './create-handler.ts';
import { settingsFromEnvironment } from './settings-from-environment.ts';

/**
 * The AWS Lambda entry point (`src/lambda/handler.handler`), configured by environment:
 * DESTINATION_BUCKET (required), DESTINATION_PREFIX, SOURCE_BUCKET and SOURCE_PREFIX (to
 * refuse a looping set-up), MAX_INPUT_BYTES, MAX_PIXELS.
 */
const s3 = new S3ObjectStore(new S3Client({ requestHandler: storageTimeouts }));

export const handler = createHandler({
  source: s3,
  destination: s3,
  settings: settingsFromEnvironment(process.env),
});
