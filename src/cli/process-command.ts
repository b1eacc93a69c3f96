import { resolve } from 'node:path';

import type { ObjectEvent } from '../events/object-event.ts';
import { type Outcome, processObjectEvent } from '../pipeline/process-object-event.ts';
import { pipelineSettings } from '../pipeline/settings.ts';
import { FileObjectStore } from '../storage/file-object-store.ts';
import { assertOutputOutsideSources, collectSources } from './collect-sources.ts';

export interface ProcessOptions {
  out: string;
  concurrency: number;
  json: boolean;
  allowRejected: boolean;
}

export interface ProcessSummary {
  processed: number;
  rejected: Array<{ key: string; reason: string }>;
  failed: Array<{ key: string; error: string }>;
  seconds: number;
  imagesPerSecond: number;
}

/** Files and folders in, the destination bucket's layout out, under `options.out`. */
export async function runProcess(paths: string[], options: ProcessOptions): Promise<number> {
  assertOutputOutsideSources(paths, options.out);
  const sources = await collectSources(paths);
  const deps = {
    source: FileObjectStore.ofFiles(sources),
    destination: FileObjectStore.inFolder(options.out),
    settings: pipelineSettings({ destinationBucket: resolve(options.out) }),
  };
  const summary: ProcessSummary = {
    processed: 0,
    rejected: [],
    failed: [],
    seconds: 0,
    imagesPerSecond: 0,
  };
  const started = performance.now();
  const keys = [...sources.keys()];

  const work = async (key: string) => {
    const event: ObjectEvent = {
      kind: 'created',
      eventName: 'pixelater:process',
      bucket: 'files',
      key,
    };
    const began = performance.now();
    try {
      report(
        key,
        await processObjectEvent(event, deps),
        Math.round(performance.now() - began),
        summary,
        options,
      );
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      summary.failed.push({ key, error: message });
      if (!options.json) console.log(`failed     ${key}: ${message}`);
    }
  };
  await runPool(keys, options.concurrency, work);

  summary.seconds = Number(((performance.now() - started) / 1000).toFixed(2));
  summary.imagesPerSecond = Number((keys.length / Math.max(summary.seconds, 0.001)).toFixed(2));
  if (options.json) console.log(JSON.stringify(summary, null, 2));
  else {
    console.log(
      `${summary.processed} processed, ${summary.rejected.length} rejected, ${summary.failed.length} failed ` +
        `in ${summary.seconds} s (${summary.imagesPerSecond} images/s); outputs in ${options.out}`,
    );
  }
  if (summary.failed.length > 0) return 2;
  return summary.rejected.length > 0 && !options.allowRejected ? 1 : 0;
}

function report(
  key: string,
  outcome: Outcome,
  ms: number,
  summary: ProcessSummary,
  options: ProcessOptions,
) {
  let line: string;
  if (outcome.status === 'processed') {
    summary.processed++;
    line = `processed  ${key} -> ${outcome.outputs.length} outputs (${ms} ms)`;
  } else if (outcome.status === 'rejected') {
    summary.rejected.push({ key, reason: outcome.reason });
    line = `rejected   ${key}: ${outcome.reason}`;
  } else {
    line = `skipped    ${key}: ${outcome.status === 'skipped' ? outcome.reason : outcome.status}`;
  }
  if (!options.json) console.log(line);
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
