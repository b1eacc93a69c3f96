/**
 * `npm run bench`: pixelater's real code path against a straight-line sharp reference and a
 * naive one-pipeline-per-output version, side by side on real photos.
 *
 * Reports, per input (each in a process of its own): median CPU and wall time per image for
 * each implementation, the pixelater/reference and naive/pixelater ratios taken round by
 * round, peak RSS (in a fresh process again) and output bytes; what WebP effort costs and
 * saves; batch throughput with 1 and 2 worker processes; the handler's import time from a
 * bundled build; and a cost estimate per million 12 MP images on Lambda arm64.
 * Prints a table and writes JSON to bench/results/.
 *
 * Options (environment): BENCH_QUICK=1 one round each; BENCH_LAMBDA_MEMORY_MB (default 2048).
 */
import { fork } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

import { benchInputs, batchFiles } from './inputs.ts';
import { measureInitTime } from './init-time.ts';
import { referenceOutputs } from './reference.ts';
import { measureRefusals } from './refusals.ts';
import { median, pairedRatio, type Sample } from './timing.ts';
import { measureWebpEffort } from './webp-effort.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const quick = process.env.BENCH_QUICK === '1';
const lambdaMemoryMb = Number(process.env.BENCH_LAMBDA_MEMORY_MB ?? 2048);
// AWS Lambda arm64 price, us-east-1, first pricing tier, as published in 2026.
const pricePerGbSecond = 0.0000133334;
const pricePerMillionRequests = 0.2;
// Lambda allots one vCPU per 1769 MB of memory.
const megabytesPerVcpu = 1769;

const here = fileURLToPath(new URL('.', import.meta.url));

/** `1.04 (0.98-1.09)`: the median ratio and its range over the rounds. */
function spread(ratio: { median: number; min: number; max: number }): string {
  return `${ratio.median.toFixed(2)} (${ratio.min.toFixed(2)}-${ratio.max.toFixed(2)})`;
}

function childJson<T = Record<string, number>>(script: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(`${here}${script}`, args, {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(output.trim().split('\n').pop() ?? '{}'))
        : reject(new Error(`${script} exited ${code}`)),
    );
  });
}

async function throughput(workers: number, env: Record<string, string> = {}): Promise<number> {
  const shares = Array.from({ length: workers }, (_, index) =>
    batchFiles.filter((_, i) => i % workers === index),
  );
  const children = shares.map((files) =>
    fork(`${here}batch-worker.ts`, files, {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, ...env },
    }),
  );
  await Promise.all(
    children.map((child) => new Promise((resolve) => child.once('message', resolve))),
  );
  const started = performance.now();
  const done = children.map((child) => new Promise((resolve) => child.once('message', resolve)));
  for (const child of children) child.send('go');
  await Promise.all(done);
  const seconds = (performance.now() - started) / 1000;
  for (const child of children) child.kill();
  return batchFiles.length / seconds;
}

const rows: Array<Record<string, string | number>> = [];
const started = new Date().toISOString();
const baseline = await childJson('one-image.ts', ['none']);
const results: Record<string, unknown> = {
  started,
  quick,
  machine: {
    node: process.version,
    sharp: sharp.versions,
    cpu: cpus()[0]?.model,
    cores: availableParallelism(),
  },
  baselineRssMiB: (baseline.peakRssKiB ?? 0) / 1024,
  inputs: [] as unknown[],
};

for (const input of await benchInputs()) {
  const bytes = await readFile(input.file);
  const rounds = quick ? 1 : input.rounds;
  const { samples } = await childJson<{ samples: Record<string, Sample[]> }>('compare-input.ts', [
    input.file,
    String(rounds),
  ]);
  const cpuOf = (name: string) => samples[name]!.map((sample) => sample.cpuMs);
  const cpu = (name: string) => median(cpuOf(name));
  const wall = (name: string) => median(samples[name]!.map((sample) => sample.wallMs));
  const peak = await childJson('one-image.ts', ['pixelater', input.file]);
  const referenceBytes = (await referenceOutputs(bytes).catch(() => [] as Buffer[])).reduce(
    (sum, b) => sum + b.length,
    0,
  );
  const entry = {
    label: input.label,
    file: input.file.split('/').pop(),
    failedPixelater: samples.pixelater!.some((sample) => sample.failed),
    failedReference: samples.reference!.some((sample) => sample.failed),
    cpuMs: {
      pixelater: cpu('pixelater'),
      pixelaterWithEndpoint: cpu('pixelater+endpoint'),
      reference: cpu('reference'),
      naive: cpu('naive'),
    },
    wallMs: { pixelater: wall('pixelater'), reference: wall('reference'), naive: wall('naive') },
    rounds,
    pixelaterOverReference: pairedRatio(cpuOf('pixelater'), cpuOf('reference')),
    naiveOverPixelater: pairedRatio(cpuOf('naive'), cpuOf('pixelater')),
    peakRssMiB: (peak.peakRssKiB ?? 0) / 1024,
    referenceOutputBytes: referenceBytes,
  };
  (results.inputs as unknown[]).push(entry);
  rows.push({
    input: input.label,
    'cpu ms pixelater': Math.round(entry.cpuMs.pixelater),
    'cpu ms reference': Math.round(entry.cpuMs.reference),
    'cpu ms naive': Math.round(entry.cpuMs.naive),
    'cpu ms +endpoint': Math.round(entry.cpuMs.pixelaterWithEndpoint),
    'wall ms pixelater': Math.round(entry.wallMs.pixelater),
    'pix/ref': spread(entry.pixelaterOverReference),
    'naive/pix': spread(entry.naiveOverPixelater),
    'peak RSS MiB': Math.round(entry.peakRssMiB),
    note: entry.failedPixelater ? 'pixelater rejected it' : '',
  });
}

console.table(rows);
console.log(
  `process baseline RSS (node + tsx, no image): ${Math.round((baseline.peakRssKiB ?? 0) / 1024)} MiB`,
);

const thirteen = (await benchInputs()).find((input) => input.label.startsWith('13 MP'))!;
const webpEffort = await measureWebpEffort(thirteen.file, quick ? 1 : 5);
results.webpEffort = { file: thirteen.file.split('/').pop(), rows: webpEffort };
console.log(`WebP effort, default recipe otherwise, on the ${thirteen.label}:`);
console.table(webpEffort);

const refusals = await measureRefusals();
results.refusals = refusals;
console.table(refusals);

// Each worker as libvips sets itself up (threads for every core), and with one thread each,
// as a host running one worker per core should be configured.
const oneThread = { VIPS_CONCURRENCY: '1', UV_THREADPOOL_SIZE: '1' };
const batches = {
  defaultThreads: { oneWorker: await throughput(1), twoWorkers: await throughput(2) },
  oneThreadEach: {
    oneWorker: await throughput(1, oneThread),
    twoWorkers: await throughput(2, oneThread),
  },
};
results.throughput = { images: batchFiles.length, ...batches };
for (const [name, { oneWorker, twoWorkers }] of Object.entries(batches)) {
  console.log(
    `batch of ${batchFiles.length} photos (${new Set(batchFiles).size} files, each ${batchFiles.length / new Set(batchFiles).size} times), ${name}: ` +
      `${oneWorker.toFixed(2)} images/s with 1 worker, ` +
      `${twoWorkers.toFixed(2)} with 2 (x${(twoWorkers / oneWorker).toFixed(2)})`,
  );
}

const init = await measureInitTime();
results.handlerInitMs = init;
console.log(
  `handler import (bundled, fresh process): median ${init.medianMs.toFixed(0)} ms over ${init.runs} runs`,
);

// The fixtures' phone JPEG closest to 12 MP is the 13 MP one.
const twelve = (results.inputs as Array<{ label: string; cpuMs: { pixelater: number } }>).find(
  (entry) => entry.label.startsWith('13 MP'),
);
if (twelve) {
  const vcpus = Math.min(6, lambdaMemoryMb / megabytesPerVcpu);
  const seconds = twelve.cpuMs.pixelater / 1000 / Math.min(vcpus, 2);
  const perMillion =
    seconds * (lambdaMemoryMb / 1024) * pricePerGbSecond * 1e6 + pricePerMillionRequests;
  results.cost = {
    lambdaMemoryMb,
    pricePerGbSecond,
    estimatedSecondsPerImage: seconds,
    usdPerMillion12MpImages: perMillion,
  };
  console.log(
    `cost: ~$${perMillion.toFixed(0)} per million 12 MP images at ${lambdaMemoryMb} MB arm64, from the 13 MP JPEG's CPU time ` +
      `(${seconds.toFixed(2)} s each, assuming CPU time / min(vCPUs, 2), ${vcpus.toFixed(2)} vCPUs, ` +
      `at $${pricePerGbSecond}/GB-s + $0.20/M requests)`,
  );
}

await mkdir(`${here}results`, { recursive: true });
const path = `${here}results/bench-${started.replace(/[:.]/g, '-')}.json`;
await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
console.log(`results written to ${path}`);
