import { Command, InvalidArgumentError } from 'commander';

import { pixelaterVersion } from '../record/metadata-record.ts';

// pixelater runs on Node 20; the SDK's notice about its future Node 22 requirement is
// addressed in the README, not repeated on every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) {
    throw new InvalidArgumentError(`expected a whole number from 0 to 65535, got '${value}'`);
  }
  return parsed;
}

function displayedSize(value: string): { width: number; height: number } {
  const match = /^(\d+)x(\d+)$/.exec(value);
  const width = Number(match?.[1]);
  const height = Number(match?.[2]);
  if (!match || width < 1 || height < 1) {
    throw new InvalidArgumentError(`expected a size such as 1800x1200, got '${value}'`);
  }
  return { width, height };
}

const configHelp = 'recipe file (default: pixelater.config.json in this folder, if any)';

const program = new Command('pixelater')
  .description('Turns images into pixelated and resized copies and a metadata record.')
  .version(pixelaterVersion)
  .option('--verbose', 'show stack traces and handler logs');

program
  .command('start')
  .description('run the local stack: S3 endpoint, buckets, event queue and the Lambda handler')
  .option('--port <number>', 'port of the S3 endpoint', positiveInteger, 4570)
  .option('--demo', 'also upload the sample photos that ship with pixelater', false)
  .option('--config <file>', configHelp)
  .addHelpText('after', '\nExamples:\n  npm start\n  npm start -- --port 9000 --demo')
  .action(async (options: { port: number; demo: boolean; config?: string }) => {
    if (!program.opts().verbose) process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
    const { runStart } = await import('./start-command.ts');
    process.exitCode = await runStart(options);
  });

program
  .command('process')
  .description('process files and folders, writing the destination layout under --out')
  .argument('<paths...>', 'image files, or folders of them')
  .requiredOption('--out <folder>', 'folder that receives the outputs')
  .option('--concurrency <number>', 'images processed at once', positiveInteger, 1)
  .option('--json', 'print a machine-readable summary instead of one line per file', false)
  .option('--allow-rejected', 'exit 0 even when some files were rejected', false)
  .option('--config <file>', configHelp)
  .addHelpText(
    'after',
    '\nExamples:\n  npx pixelater process photos/ --out out/\n  npx pixelater process a.jpg b.png --out out/ --json',
  )
  .action(async (paths: string[], options) => {
    process.env.POWERTOOLS_LOG_LEVEL ??= program.opts().verbose ? 'INFO' : 'ERROR';
    const { runProcess } = await import('./process-command.ts');
    process.exitCode = await runProcess(paths, options);
  });

program
  .command('plan')
  .description('print the output keys, formats and sizes an object would get, touching nothing')
  .argument('<key>', 'the source object key, for example avatars/ann.jpg')
  .requiredOption('--size <WxH>', 'displayed size of the image', displayedSize)
  .option('--config <file>', configHelp)
  .option('--json', 'print the plan as JSON', false)
  .addHelpText(
    'after',
    '\nExamples:\n  npx pixelater plan avatars/ann.jpg --size 1800x1200\n  npx pixelater plan products/shoe.png --size 800x800 --config shop.json',
  )
  .action(async (key: string, options) => {
    const { runPlan } = await import('./plan-command.ts');
    process.exitCode = runPlan(key, options);
  });

program
  .command('inspect')
  .description('print the metadata record a file would get, writing nothing')
  .argument('<file>', 'an image file')
  .addHelpText('after', '\nExample:\n  npx pixelater inspect photo.jpg')
  .action(async (file: string) => {
    process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
    const { runInspect } = await import('./inspect-command.ts');
    process.exitCode = await runInspect(file);
  });

try {
  await program.parseAsync();
} catch (error) {
  if (program.opts().verbose) console.error(error);
  else console.error(`pixelater: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 2;
}
