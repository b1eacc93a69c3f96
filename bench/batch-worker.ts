/** Child process: one worker, as one Lambda instance would be, processing its share of files. */
import { readFile } from 'node:fs/promises';

import { pixelaterInMemory } from './pixelater-path.ts';

const files = process.argv.slice(2);
const run = pixelaterInMemory();
const inputs = await Promise.all(files.map((file) => readFile(file)));
process.send?.('ready');
await new Promise((resolve) => process.once('message', resolve));
for (const bytes of inputs) await run(bytes);
process.send?.('done');
