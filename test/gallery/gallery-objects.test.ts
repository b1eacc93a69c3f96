import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Gallery, startGallery } from '../../src/gallery/start-gallery.ts';
import { type LocalStack, startLocalStack } from '../../src/local/local-stack.ts';
import { fixture } from '../support/fixtures.ts';

let stack: LocalStack;
let gallery: Gallery;
beforeAll(async () => {
  stack = await startLocalStack({ port: 0 });
  gallery = await startGallery({ stack, port: 0 });
});
afterAll(async () => {
  await gallery.stop();
  await stack.stop();
});

async function upload(key: string, body: Buffer | string, contentType: string) {
  await stack.s3.send(
    new PutObjectCommand({
      Bucket: stack.sourceBucket,
      Key: key,
      Body: body,
      ContentType: contentType,
    }),
  );
  return fetch(`${gallery.url}api/object?bucket=source&key=${encodeURIComponent(key)}`);
}

describe('objects the gallery serves', () => {
  it('never serves an uploaded page as HTML, whatever Content-Type the uploader claimed', async () => {
    const page = '<html><script>fetch("/api/upload?key=pwned.jpg",{method:"PUT"})</script></html>';
    for (const claimed of ['text/html', 'image/svg+xml', 'application/xhtml+xml']) {
      const response = await upload('evil.jpg', page, claimed);
      expect(response.headers.get('content-type')).toBe('application/octet-stream');
      expect(response.headers.get('content-disposition')).toBe('attachment');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain('sandbox');
      expect(await response.text()).toBe(page);
    }
  });

  it('serves raster images as the image types they are, for the page to show', async () => {
    const response = await upload('photo.png', await fixture('tiny_2x2.png'), 'image/png');
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('content-disposition')).toBeNull();
  });
});
