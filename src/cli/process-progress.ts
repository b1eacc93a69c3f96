import { Presets, SingleBar } from 'cli-progress';

import type { Outcome } from '../pipeline/process-object-event.ts';

/** How `pixelater process` tells the user about each file as it is done. */
export interface ProcessProgress {
  start(total: number): void;
  /** One file is done: its outcome, or the error that stopped it. */
  done(key: string, result: { outcome: Outcome; ms: number } | { error: string }): void;
  stop(): void;
}

/**
 * The way progress is shown: a bar with counts, rate and time left in a terminal; one line
 * per file otherwise (CI logs, pipes), so that every file's fate can be read back later;
 * nothing at all when the summary is printed as JSON.
 *
 * @example
 * const progress = progressFor({ json: false, terminal: process.stdout.isTTY === true });
 */
export function progressFor(mode: { json: boolean; terminal: boolean }): ProcessProgress {
  if (mode.json) return { start() {}, done() {}, stop() {} };
  return mode.terminal ? progressBar() : linePerFile();
}

/** The line a file gets in plain mode, for example `rejected   a.txt: not an image (...)`. */
function describeResult(
  key: string,
  result: { outcome: Outcome; ms: number } | { error: string },
): string {
  if ('error' in result) return `failed     ${key}: ${result.error}`;
  const { outcome, ms } = result;
  if (outcome.status === 'processed') {
    return `processed  ${key} -> ${outcome.outputs.length} outputs (${ms} ms)`;
  }
  if (outcome.status === 'rejected') return `rejected   ${key}: ${outcome.reason}`;
  if (outcome.status === 'skipped') return `skipped    ${key}: ${outcome.reason}`;
  return `${outcome.status.padEnd(10)} ${key}`;
}

function linePerFile(): ProcessProgress {
  return {
    start() {},
    done(key, result) {
      console.log(describeResult(key, result));
    },
    stop() {},
  };
}

function progressBar(): ProcessProgress {
  const bar = new SingleBar(
    {
      format:
        '{bar} {value}/{total} images | {rate} images/s | {eta_formatted} left | ' +
        '{rejected} rejected, {failed} failed',
      stream: process.stdout,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    Presets.shades_classic,
  );
  let started = 0;
  let done = 0;
  const counts = { rejected: 0, failed: 0 };
  return {
    start(total) {
      started = performance.now();
      bar.start(total, 0, { rate: '0.00', ...counts });
    },
    done(_key, result) {
      done++;
      if ('error' in result) counts.failed++;
      else if (result.outcome.status === 'rejected') counts.rejected++;
      const seconds = Math.max((performance.now() - started) / 1000, 0.001);
      bar.increment(1, { rate: (done / seconds).toFixed(2), ...counts });
    },
    stop() {
      bar.stop();
    },
  };
}
