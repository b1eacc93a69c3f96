import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

import { type PresetName, presetNames } from '../recipe/presets.ts';
import { pixelaterVersion } from '../record/metadata-record.ts';
import { ExitCode } from './exit-code.ts';

// pixelater runs on Node 20; the SDK's notice about its future Node 22 requirement is
// addressed in the README, not repeated on every start.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A parser for a whole-number option in [min, max], with an error that says what was wrong. */
function wholeNumber(min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(
        `expected a whole number from ${min} to ${max}, got '${value}'`,
      );
    }
    return parsed;
  };
}
const port = wholeNumber(0, 65535);

/** The message a user sees for an error: one sentence, naming the file when there is one. */
function sentenceOf(error: unknown): string {
  const failure = error as NodeJS.ErrnoException;
  if (failure.code === 'ENOENT' && failure.path) return `${failure.path}: no such file or folder`;
  if (failure.code === 'EACCES' && failure.path) return `${failure.path}: permission denied`;
  return error instanceof Error ? error.message : String(error);
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

const presetOption = () =>
  new Option(
    '--preset <name>',
    'a built-in recipe instead of a recipe file: default; privacy adds pixelated-faces.jpg; ' +
      'privacy-text adds pixelated-faces-text.jpg (faces and text)',
  ).choices(presetNames);

const program = new Command('pixelater')
  .description('Turns images into pixelated and resized copies and a metadata record.')
  .version(pixelaterVersion)
  .option('--verbose', 'show stack traces and handler logs')
  // Usage errors end in the catch below, with their own exit code, in pixelater's voice.
  .exitOverride()
  .configureOutput({
    outputError: (message, write) => write(`pixelater: ${message.replace(/^error: /, '')}`),
  })
  .addHelpText(
    'after',
    '\nExamples:\n  npx pixelater process photos/ --out out/\n  npx pixelater inspect photo.jpg\n' +
      '  npm start                      # local stack and gallery page\n' +
      '  npx pixelater help process     # options and examples of one command',
  );

program
  .command('start')
  .description('run the local stack: S3 endpoint, buckets, event queue and the Lambda handler')
  .option('--port <number>', 'port of the S3 endpoint (0 picks a free one)', port, 4570)
  .option('--gallery-port <number>', 'port of the gallery page (0 picks a free one)', port, 4571)
  .option('--demo', 'also upload the sample photos that ship with pixelater', false)
  .option('--config <file>', configHelp)
  .addOption(presetOption())
  .addHelpText(
    'after',
    '\nExamples:\n  npm start\n  npm start -- --preset privacy\n  npm start -- --demo              # then open the gallery URL it prints\n' +
      '  npm start -- --port 9000 --gallery-port 9001',
  )
  .action(
    async (options: {
      port: number;
      galleryPort: number;
      demo: boolean;
      config?: string;
      preset?: PresetName;
    }) => {
      if (!program.opts().verbose) process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
      const { runStart } = await import('./start-command.ts');
      process.exitCode = await runStart(options);
    },
  );

program
  .command('process')
  .description('process files and folders, writing the destination layout under --out')
  .argument('<paths...>', 'image files, or folders of them')
  .requiredOption('--out <folder>', 'folder that receives the outputs')
  .option('--concurrency <number>', 'images processed at once', wholeNumber(1, 64), 1)
  .option('--json', 'print only a machine-readable summary, no progress', false)
  .option('--allow-rejected', 'exit 0 even when some files were rejected', false)
  .option('--config <file>', configHelp)
  .addOption(presetOption())
  .addHelpText(
    'after',
    `
In a terminal a progress bar shows counts, rate and time left; otherwise (CI, pipes) each
file gets one line. Either way a summary ends the run.

Exit codes:
  ${ExitCode.ok}  every file was processed
  ${ExitCode.rejected}  some files were rejected (not images, over a limit); 0 with --allow-rejected
  ${ExitCode.failed}  something failed, or the command line was wrong

Examples:
  npx pixelater process photos/ --out out/
  npx pixelater process photos/ --out out/ --concurrency 2 --allow-rejected
  npx pixelater process --preset privacy photos/ --out out/
  npx pixelater process a.jpg b.png --out out/ --json > summary.json`,
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

program
  .command('schema')
  .description('print the JSON Schema of the metadata record')
  .addHelpText('after', '\nExample:\n  npx pixelater schema > metadata-record.schema.json')
  .action(async () => {
    const { recordJsonSchemaText } = await import('../record/record-json-schema.ts');
    process.stdout.write(recordJsonSchemaText());
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has already printed its one line (or the help or version asked for).
    process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else {
    if (program.opts().verbose) console.error(error);
    else console.error(`pixelater: ${sentenceOf(error)}`);
    process.exitCode = ExitCode.failed;
  }
}
