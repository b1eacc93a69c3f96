import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';

import { processObjectEvent } from '../pipeline/process-object-event.ts';
import { pipelineSettings } from '../pipeline/settings.ts';
import { recordKey } from '../record/output-keys.ts';
import { MemoryObjectStore } from '../storage/memory-object-store.ts';

/** Runs the whole pipeline on one file in memory and prints its metadata record. */
export async function runInspect(file: string): Promise<number> {
  const stats = await stat(file).catch(() => undefined);
  if (!stats) throw new Error(`${file}: no such file or folder`);
  if (!stats.isFile()) {
    throw new Error(`${file}: not a file; inspect reads one image (process takes folders)`);
  }
  const key = basename(file);
  const store = new MemoryObjectStore();
  await store.putObject('files', key, await readFile(file), {
    contentType: 'application/octet-stream',
  });
  const settings = pipelineSettings({ destinationBucket: 'inspect' });
  const outcome = await processObjectEvent(
    { kind: 'created', eventName: 'pixelater:inspect', bucket: 'files', key },
    { source: store, destination: store, settings },
  );
  const record = await store.getObject('inspect', recordKey('', key), Number.MAX_SAFE_INTEGER);
  process.stdout.write(record.bytes.toString('utf8'));
  return outcome.status === 'rejected' ? 1 : 0;
}
