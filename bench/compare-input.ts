/**
 * Child process: every implementation on one input, interleaved round by round, in a
 * process of its own so that no earlier input's heap or caches weigh on this one. Prints
 * the samples as one line of JSON.
 */
import { readFile } from 'node:fs/promises';

import { implementations } from './implementations.ts';
import { type Implementation, pixelaterOnEndpoint } from './pixelater-path.ts';
import { type Sample, timeOnce } from './timing.ts';

const [file = '', roundsArgument = '1'] = process.argv.slice(2);
const bytes = await readFile(file);
const endpoint = await pixelaterOnEndpoint();
const runs: Record<string, Implementation> = {
  ...implementations(),
  'pixelater+endpoint': endpoint.run,
};
const samples: Record<string, Sample[]> = {};
for (const run of Object.values(runs)) await timeOnce(run, bytes); // warm-up
// Interleaved, so that a noisy moment hits every implementation alike; the ratios are
// taken round by round, each between runs a few seconds apart.
for (let round = 0; round < Number(roundsArgument); round++) {
  for (const [name, run] of Object.entries(runs))
    (samples[name] ??= []).push(await timeOnce(run, bytes));
}
await endpoint.stop();
console.log(JSON.stringify({ samples }));
