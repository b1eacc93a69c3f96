import { resolve } from 'node:path';

import type { ObjectEvent } from '../events/object-event.ts';
import { processObjectEvent } from '../pipeline/process-object-event.ts';
import { pipelineSettings } from '../pipeline/settings.ts';
import { loadRecipes } from '../recipe/load-config.ts';
import type { PresetName } from '../recipe/presets.ts';
import { FileObjectStore } from '../storage/file-object-store.ts';
import { assertOutputOutsideSources, collectSources } from './collect-sources.ts';
import { ExitCode } from './exit-code.ts';
import { progressFor } from './process-progress.ts';

export interface ProcessOptions {
  out: string;
  concurrency: number;
  json: boolean;
  allowRejected: boolean;
  config?: string;
  /** A built-in recipe instead of a recipe file. */
  preset?: PresetName;
}

export interface ProcessSummary {
  processed: number;
  rejected: Array<{ key: string; reason: string }>;
  failed: Array<{ key: string; error: string }>;
  seconds: number;
  imagesPerSecond: number;
}

/**
 * `pixelater process`: files and folders in, the destination bucket's layout out, under
 * `options.out`, with progress as it goes and a summary at the end.
 *
 * @returns the exit code: 0 when all was processed, 1 when something was rejected (0 with
 * `allowRejected`), 2 when something failed.
 */
export async function runProcess(paths: string[], options: ProcessOptions): Promise<number> {
  assertOutputOutsideSources(paths, options.out);
  const { recipes } = loadRecipes(options.config, process.cwd(), options.preset);
  const sources = await collectSources(paths);
  const deps = {
    source: FileObjectStore.ofFiles(sources),
    destination: FileObjectStore.inFolder(options.out),
    settings: pipelineSettings({ destinationBucket: resolve(options.out), recipes }),
  };
  const summary: ProcessSummary = {
    processed: 0,
    rejected: [],
    failed: [],
    seconds: 0,
    imagesPerSecond: 0,
  };
  const keys = [...sources.keys()];
  const progress = progressFor({ json: options.json, terminal: process.stdout.isTTY === true });
  const started = performance.now();
  progress.start(keys.length);

  await runPool(keys, options.concurrency, async (key) => {
    const event: ObjectEvent = {
      kind: 'created',
      eventName: 'pixelater:process',
      bucket: 'files',
      key,
    };
    const began = performance.now();
    try {
      const outcome = await processObjectEvent(event, deps);
      if (outcome.status === 'processed') summary.processed++;
      if (outcome.status === 'rejected') summary.rejected.push({ key, reason: outcome.reason });
      progress.done(key, { outcome, ms: Math.round(performance.now() - began) });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      summary.failed.push({ key, error: message });
      progress.done(key, { error: message });
    }
  });
  progress.stop();

  summary.seconds = Number(((performance.now() - started) / 1000).toFixed(2));
  summary.imagesPerSecond = Number((keys.length / Math.max(summary.seconds, 0.001)).toFixed(2));
  if (options.json) console.log(JSON.stringify(summary, null, 2));
  else printSummary(summary, options.out);
  if (summary.failed.length > 0) return ExitCode.failed;
  return summary.rejected.length > 0 && !options.allowRejected ? ExitCode.rejected : ExitCode.ok;
}

/** The counts, the time and the rate, then every rejection and failure with its reason. */
function printSummary(summary: ProcessSummary, out: string) {
  const { processed, rejected, failed, seconds, imagesPerSecond } = summary;
  const lines = [
    `${processed} processed, ${rejected.length} rejected, ${failed.length} failed ` +
      `in ${seconds} s (${imagesPerSecond} images/s); outputs in ${out}`,
  ];
  if (rejected.length > 0) {
    lines.push('rejected:', ...rejected.map(({ key, reason }) => `  ${key}: ${reason}`));
  }
  if (failed.length > 0) {
    lines.push('failed:', ...failed.map(({ key, error }) => `  ${key}: ${error}`));
  }
  console.log(lines.join('\n'));
}

async function runPool<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}
