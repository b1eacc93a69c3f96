import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

import { bundleExternals, esmBanner } from '../infra/function-bundling.ts';

const run = promisify(execFile);
const handlerSource = fileURLToPath(new URL('../src/lambda/handler.ts', import.meta.url));

/**
 * The Lambda init cost of the handler module: bundle it as the deployment does (esbuild,
 * sharp left as a package), then time its import in fresh Node processes.
 */
export async function measureInitTime(runs = 5) {
  // Inside the repository, so that the bundle finds sharp in node_modules as Lambda would.
  const folder = fileURLToPath(new URL('results/init-bundle/', import.meta.url));
  await mkdir(folder, { recursive: true });
  const bundle = `${folder}handler.mjs`;
  await build({
    entryPoints: [handlerSource],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    external: [...bundleExternals],
    // As the deployed bundle is built (infra/function-bundling.ts).
    mainFields: ['module', 'main'],
    banner: { js: esmBanner },
    logLevel: 'silent',
  });
  const script = `const t = performance.now(); await import(${JSON.stringify(bundle)}); console.log(performance.now() - t);`;
  const times: number[] = [];
  for (let index = 0; index < runs; index++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, DESTINATION_BUCKET: 'bench' },
    });
    times.push(Number(stdout.trim()));
  }
  times.sort((a, b) => a - b);
  return { runs, medianMs: times[Math.floor(runs / 2)] ?? 0, allMs: times };
}
