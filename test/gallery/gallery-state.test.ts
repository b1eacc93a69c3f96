import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DeliveryFailures } from '../../src/gallery/delivery-failures.ts';
import { GalleryReader, type GalleryState } from '../../src/gallery/gallery-state.ts';
import { type LocalStack, startLocalStack } from '../../src/local/local-stack.ts';
import { fixture } from '../support/fixtures.ts';

// A stack whose handler writes to a bucket that does not exist: every delivery fails, as a
// transient error, until the queue gives up and dead-letters the message.
let stack: LocalStack;
let reader: GalleryReader;
beforeAll(async () => {
  const failures = new DeliveryFailures();
  stack = await startLocalStack({
    port: 0,
    settings: { destinationBucket: 'no-such-destination' },
    onReport: (report) => failures.record(report),
  });
  reader = new GalleryReader(stack, failures);
});
afterAll(async () => {
  await stack.stop();
});

async function readUntil(done: (state: GalleryState) => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let state = await reader.read();
  while (!done(state) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    state = await reader.read();
  }
  return state;
}

describe('what the gallery reads from the local stack', () => {
  it('shows an upload as waiting, then as failed with the error it was dead-lettered for', async () => {
    await stack.s3.send(
      new PutObjectCommand({
        Bucket: stack.sourceBucket,
        Key: 'doomed.png',
        Body: await fixture('tiny_2x2.png'),
      }),
    );
    const first = await reader.read();
    expect(first.sources).toMatchObject([{ key: 'doomed.png', status: 'waiting', bytes: 76 }]);

    const state = await readUntil((candidate) => candidate.deadLetters.count > 0, 40_000);
    expect(state.deadLetters.count).toBe(1);
    const [letter] = state.deadLetters.shown;
    expect(letter?.keys).toEqual(['doomed.png']);
    expect(letter?.attempts).toBe(3);
    expect(letter?.reason).toMatch(/bucket/i);
    expect(state.sources).toMatchObject([
      { key: 'doomed.png', status: 'failed', reason: letter?.reason },
    ]);
  });
});
