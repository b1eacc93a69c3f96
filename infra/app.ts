import { fileURLToPath } from 'node:url';

import { App } from 'aws-cdk-lib';

import { ConfigurationError } from '../src/errors.ts';
import { PixelaterStack } from './pixelater-stack.ts';
import { contextKeys, stackOptionsFromContext } from './stack-options.ts';

/**
 * The CDK app behind `npm run synth` and `npm run deploy`: one pixelater stack, configured
 * by context (`npm run deploy -- -c sourceBucket=my-photos -c suffixes=.jpg,.png`), in the
 * account and region of the credentials the CLI runs with.
 */
const app = new App();
const root = fileURLToPath(new URL('../', import.meta.url));
const context = Object.fromEntries(
  contextKeys.map((key) => [key, app.node.tryGetContext(key) as unknown]),
);

try {
  const options = stackOptionsFromContext(context, root);
  new PixelaterStack(app, options.stackName, options, {
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (error) {
  // A setting to change is said in one line; anything else keeps its stack trace.
  if (!(error instanceof ConfigurationError)) throw error;
  console.error(error.message);
  process.exit(1);
}
