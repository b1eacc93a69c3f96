import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { encodeObjectKey } from '../../src/events/decode-object-key.ts';
import { DeliveryFailures } from '../../src/gallery/delivery-failures.ts';
import { type Gallery, startGallery } from '../../src/gallery/start-gallery.ts';
import { type LocalStack, startLocalStack } from '../../src/local/local-stack.ts';
import { fixturePath } from '../support/fixtures.ts';

/** Debian's Chromium, as .ci/run installs it; the test fails, never skips, without it. */
const chromiumPath = '/usr/bin/chromium';
const artifacts = new URL('../../test-artifacts/', import.meta.url);

let stack: LocalStack;
let gallery: Gallery;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: install it with apt-get install -y chromium`);
  }
  const failures = new DeliveryFailures();
  stack = await startLocalStack({ port: 0, onReport: (report) => failures.record(report) });
  gallery = await startGallery({ stack, port: 0, failures });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  await mkdir(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await gallery?.stop();
  await stack?.stop();
});

function sourceRow(key: string) {
  return page.locator(`li.source[data-key="${key}"]`);
}

describe('the gallery page', () => {
  it('shows a photo chosen in the picker beside its pixelated copies, with no reload', async () => {
    await page.goto(gallery.url);
    await expect.poll(() => page.locator('#live').textContent()).toContain('live');
    const loads = { count: 0 };
    page.on('load', () => loads.count++);

    await page.setInputFiles('#picker', fixturePath('Landscape_6.jpg'));
    await sourceRow('Landscape_6.jpg')
      .and(page.locator('[data-status="processed"]'))
      .waitFor({ timeout: 30_000 });
    await page.waitForFunction(
      () => {
        const images = [...document.querySelectorAll<HTMLImageElement>('.copies-pixelated img')];
        return images.length === 6 && images.every((image) => image.naturalWidth > 0);
      },
      undefined,
      { timeout: 30_000 },
    );

    const captions = await page.locator('.copies-pixelated figcaption').allTextContents();
    expect(captions[0]).toMatch(/^original1800 × 1200 · JPEG · \d+\.\d kB$/);
    expect(captions.slice(1).map((caption) => caption.split('1800')[0])).toEqual([
      'pixelated-grid-8.jpg',
      'pixelated-grid-16.jpg',
      'pixelated-grid-32.jpg',
      'pixelated-grid-48.jpg',
      'pixelated-grid-64.jpg',
    ]);
    const shown = await page
      .locator('.copies-pixelated img')
      .nth(1)
      .evaluate((image: HTMLImageElement) => [image.naturalWidth, image.naturalHeight]);
    expect(shown).toEqual([1800, 1200]);
    expect(await page.locator('.copies-resized figure').count()).toBe(8);
    expect(await page.locator('.card dd', { hasText: '1200 × 1800' }).count()).toBe(1);
    expect(loads.count).toBe(0);
    await page.screenshot({ path: new URL('gallery.png', artifacts).pathname, fullPage: true });

    await page.locator('.raw summary').click();
    const raw = JSON.parse((await page.locator('.raw pre').textContent()) ?? '');
    expect(raw).toMatchObject({ status: 'processed', source: { key: 'Landscape_6.jpg' } });
  });

  it('takes a file dropped on the upload area and shows why it was rejected', async () => {
    await page.goto(gallery.url);
    await page.evaluate((content) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([content], 'notes.png', { type: 'image/png' }));
      document
        .getElementById('drop')!
        .dispatchEvent(
          new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
    }, 'shopping list\nmilk, eggs');

    const row = sourceRow('notes.png').and(page.locator('[data-status="rejected"]'));
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('.source-reason').textContent()).toBe(
      "not an image (starts with 'shopping')",
    );
    await expect
      .poll(() => page.locator('.notice-rejected').textContent())
      .toBe("Rejected: not an image (starts with 'shopping')");
    const order = await page
      .locator('li.source')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-key')));
    expect(order).toEqual(['notes.png', 'Landscape_6.jpg']);
  });

  it('lists what is in the dead-letter queue, with the object each message was about', async () => {
    await stack.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.deadLetterQueueUrl,
        MessageBody: JSON.stringify({
          Records: [
            {
              eventSource: 'aws:s3',
              eventName: 'ObjectCreated:Put',
              s3: {
                bucket: { name: stack.sourceBucket },
                object: { key: encodeObjectKey('lost photo.jpg'), size: 10 },
              },
            },
          ],
        }),
      }),
    );
    await page.goto(gallery.url);
    const section = page.locator('#dead-letters');
    await section.waitFor({ state: 'visible', timeout: 10_000 });
    expect(await section.locator('h2').textContent()).toBe('Dead-letter queue: 1 message');
    expect(await section.locator('li strong').textContent()).toBe('lost photo.jpg');
    expect(await section.locator('.dead-reason').textContent()).toContain('error is not known');
    await page.screenshot({ path: new URL('gallery-dead-letter.png', artifacts).pathname });
  });
});
