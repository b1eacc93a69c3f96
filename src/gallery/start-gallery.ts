import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';

import type { LocalStack } from '../local/local-stack.ts';
import { DeliveryFailures } from './delivery-failures.ts';
import { GalleryReader } from './gallery-state.ts';

export interface GalleryOptions {
  stack: LocalStack;
  /** 0 picks a free port. */
  port: number;
  /** Fed by the local stack's `onReport`, so dead letters can say what they died of. */
  failures?: DeliveryFailures;
}

export interface Gallery {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** The page, its style and its script: plain files, nothing fetched from elsewhere. */
const pageFiles = {
  '/': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/gallery.css': { file: 'gallery.css', contentType: 'text/css; charset=utf-8' },
  '/gallery.js': { file: 'gallery.js', contentType: 'text/javascript; charset=utf-8' },
} as const;

/** The two buckets the page may read from, by role, so no other bucket can be named. */
const bucketRoles = ['source', 'destination'] as const;
type BucketRole = (typeof bucketRoles)[number];

/** A file dropped on the page, refused above this size as the pipeline would refuse it. */
const maxUploadBytes = 100 * 1024 * 1024;

/**
 * A web page over the local stack: every source with its status, one image beside
 * everything made from it, an upload area that writes into the source bucket (so the upload
 * takes the same event path as any other), and the dead-letter queue. It reads the stack
 * through its S3 and SQS clients only; nothing in the Lambda package depends on it.
 *
 * @example
 * const stack = await startLocalStack({ port: 4570 });
 * const gallery = await startGallery({ stack, port: 4571 });
 * gallery.url; // 'http://127.0.0.1:4571/'
 */
export async function startGallery(options: GalleryOptions): Promise<Gallery> {
  const { stack } = options;
  const reader = new GalleryReader(stack, options.failures ?? new DeliveryFailures());
  const page = new Map(
    await Promise.all(
      Object.entries(pageFiles).map(
        async ([path, { file, contentType }]) =>
          [
            path,
            { contentType, body: await readFile(new URL(`page/${file}`, import.meta.url)) },
          ] as const,
      ),
    ),
  );

  const routes = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://gallery');
    const file = page.get(url.pathname);
    if (request.method === 'GET' && file) {
      response.writeHead(200, { 'content-type': file.contentType, 'cache-control': 'no-cache' });
      response.end(file.body);
    } else if (request.method === 'GET' && url.pathname === '/api/state') {
      sendJson(response, 200, await reader.read());
    } else if (request.method === 'GET' && url.pathname === '/api/object') {
      await sendObject(stack, url.searchParams, response);
    } else if (request.method === 'PUT' && url.pathname === '/api/upload') {
      await receiveUpload(stack, url.searchParams.get('key') ?? '', request, response);
    } else sendJson(response, 404, { error: `${request.method} ${url.pathname}: not found` });
  };

  const server = createServer((request, response) => {
    routes(request, response).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!response.headersSent) sendJson(response, 500, { error: message });
      else response.destroy();
    });
  });
  await listen(server, options.port);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;

  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

async function sendObject(stack: LocalStack, query: URLSearchParams, response: ServerResponse) {
  const role = query.get('bucket') as BucketRole;
  const key = query.get('key') ?? '';
  if (!bucketRoles.includes(role) || key === '') {
    return sendJson(response, 400, { error: 'expected ?bucket=source|destination&key=<key>' });
  }
  const bucket = role === 'source' ? stack.sourceBucket : stack.destinationBucket;
  const object = await stack.s3
    .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    .catch(() => undefined);
  if (!object?.Body) return sendJson(response, 404, { error: `${bucket}/${key}: no such object` });

  // Anyone who can upload chooses a source's Content-Type: only raster images and records
  // are served as what they claim, so that an uploaded page or SVG never runs as this origin.
  const claimed = (object.ContentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const served = displayableTypes.has(claimed) ? claimed : 'application/octet-stream';
  response.writeHead(200, {
    'content-type': served,
    ...(served === claimed ? {} : { 'content-disposition': 'attachment' }),
    ...(object.ContentLength === undefined ? {} : { 'content-length': object.ContentLength }),
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
    'cache-control': 'no-cache',
  });
  (object.Body as Readable).pipe(response);
}

const displayableTypes = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'image/avif',
  'application/json',
]);

async function receiveUpload(
  stack: LocalStack,
  key: string,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const declared = Number(request.headers['content-length']);
  if (key === '' || Buffer.byteLength(key) > 1024) {
    return sendJson(response, 400, { error: 'expected ?key=<object key of at most 1024 bytes>' });
  }
  if (!Number.isFinite(declared) || declared > maxUploadBytes) {
    return sendJson(response, 413, {
      error: `${key}: uploads need a Content-Length of at most ${maxUploadBytes} bytes`,
    });
  }
  // Through the stack's own endpoint, so the upload is observed and becomes an event.
  await new Upload({
    client: stack.s3,
    params: {
      Bucket: stack.sourceBucket,
      Key: key,
      Body: request,
      ContentType: request.headers['content-type'] || 'application/octet-stream',
    },
  }).done();
  sendJson(response, 201, { bucket: stack.sourceBucket, key });
}
