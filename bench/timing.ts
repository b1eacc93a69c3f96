import type { Implementation } from './pixelater-path.ts';

export interface Sample {
  wallMs: number;
  cpuMs: number;
  failed: boolean;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Time for what an earlier run left behind (sockets closing, freed buffers) to finish. */
const settleMs = 20;

/**
 * Sets the work up untimed, lets the process settle, then times the work: CPU (user +
 * system, every thread) and wall.
 */
export async function timeOnce(prepare: Implementation, bytes: Buffer): Promise<Sample> {
  const work = await prepare(bytes);
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const cpu = process.cpuUsage();
  const started = performance.now();
  let failed = false;
  await work().catch(() => {
    failed = true;
  });
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000, failed };
}

/** Median, lowest and highest of the ratios a/b taken round by round. */
export function pairedRatio(a: number[], b: number[]) {
  const ratios = a.map((value, round) => value / (b[round] ?? Number.NaN));
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}
