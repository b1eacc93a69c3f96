/**
 * Child process: runs one implementation once on one file and prints its peak RSS, so that
 * each figure is the memory of that work alone. `none` measures the process itself.
 *
 * The peak is the kernel's VmHWM for this process: unlike getrusage's maxRSS, which Linux
 * carries over from the parent that spawned us, it starts afresh with this program.
 */
import { readFile } from 'node:fs/promises';

import { implementations } from './implementations.ts';

async function peakRssKiB(): Promise<number> {
  const status = await readFile('/proc/self/status', 'utf8');
  return Number(status.match(/^VmHWM:\s+(\d+) kB/m)?.[1] ?? 0);
}

const [name = 'none', file = ''] = process.argv.slice(2);
if (name !== 'none') {
  const prepare = implementations()[name];
  if (!prepare) throw new Error(`unknown implementation ${name}`);
  const work = await prepare(await readFile(file));
  await work().catch(() => undefined);
}
console.log(JSON.stringify({ peakRssKiB: await peakRssKiB() }));
