/** Child process: one worker, as one Lambda instance would be, processing its share of files. */
import { readFile } from 'node:fs/promises';

import { pixelaterInMemory } from './pixelater-path.ts';

const files = process.argv.slice(2);
const prepare = pixelaterInMemory();
const inputs = await Promise.all(files.map((file) => readFile(file)));
process.send?.('ready');
await new Promise((resolve) => process.once('message', resolve));
// Each upload is set up just before its run, as the queue hands the worker one at a time.
for (const bytes of inputs) await (await prepare(bytes))();
process.send?.('done');
