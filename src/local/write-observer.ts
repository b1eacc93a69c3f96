import { createServer, request, type IncomingMessage, type Server } from 'node:http';

import { nextSequencer, type ObservedWrite } from './s3-notification.ts';

/**
 * An HTTP front for the S3 endpoint that forwards every request unchanged and reports each
 * write to `bucket` once it has succeeded: the bucket notifications the in-memory S3 lacks.
 * Bodies stream through untouched, so the SDK's checksummed uploads arrive as sent.
 */
export function startWriteObserver(options: {
  port: number;
  upstreamPort: number;
  bucket: string;
  onWrite: (write: ObservedWrite) => void;
}): Promise<Server> {
  const { upstreamPort, bucket, onWrite } = options;
  const server = createServer((incoming, outgoing) => {
    const target = parseTarget(incoming);
    const upstream = request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        const status = response.statusCode ?? 0;
        const observed = target?.bucket === bucket && status >= 200 && status < 300;
        // Write responses are small XML (copy and multipart results, deleted keys) or empty.
        const keepsBody = observed && (incoming.method === 'PUT' || incoming.method === 'POST');
        const result: Buffer[] = [];
        response.on('data', (chunk: Buffer) => {
          if (keepsBody) result.push(chunk);
        });
        response.pipe(outgoing);
        response.on('end', () => {
          if (!observed) return;
          const body = Buffer.concat(result).toString('utf8');
          const etag = response.headers.etag ?? body.match(/<ETag>([^<]*)<\/ETag>/)?.[1];
          for (const write of writesOf(incoming, target, body)) {
            const created = write.eventName !== 'ObjectRemoved:Delete';
            onWrite({
              ...write,
              ...(created && etag ? { etag: unescapeXml(etag) } : {}),
              sequencer: nextSequencer(),
            });
          }
        });
      },
    );
    upstream.on('error', () => {
      if (!outgoing.headersSent) outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(upstream);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve(server));
  });
}

interface Target {
  bucket: string;
  key: string;
  query: URLSearchParams;
  isMultiDelete: boolean;
}

/** Bucket and key of an S3 request, path-style (`/bucket/key`) or virtual-hosted. */
function parseTarget(incoming: IncomingMessage): Target | undefined {
  if (incoming.headers['x-amz-target']) return undefined; // an SQS JSON request
  const raw = incoming.url ?? '/';
  const url = new URL(raw, 'http://local');
  const host = (incoming.headers.host ?? '').replace(/:\d+$/, '');
  const virtualHosted = host.match(/^(.+?)\.(?:s3\.)?localhost$/);
  // The path as sent: URL parsing would resolve '..' segments, which are part of an S3 key.
  const path = raw.split('?')[0]?.slice(1) ?? '';
  const [bucket = '', ...rest] = virtualHosted ? [virtualHosted[1] ?? '', path] : path.split('/');
  let key: string;
  try {
    key = decodeURIComponent(virtualHosted ? path : rest.join('/'));
  } catch {
    return undefined;
  }
  return {
    bucket,
    key,
    query: url.searchParams,
    isMultiDelete: incoming.method === 'POST' && url.searchParams.has('delete'),
  };
}

const subresources = [
  'tagging',
  'acl',
  'retention',
  'legal-hold',
  'partNumber',
  'uploads',
  'restore',
];

function writesOf(
  incoming: IncomingMessage,
  target: Target,
  deleteResult: string,
): ObservedWrite[] {
  const { bucket, key, query } = target;
  if (subresources.some((name) => query.has(name))) return [];
  const method = incoming.method;

  if (method === 'PUT' && key) {
    const eventName = incoming.headers['x-amz-copy-source']
      ? 'ObjectCreated:Copy'
      : 'ObjectCreated:Put';
    return [{ eventName, bucket, key }];
  }
  if (method === 'POST' && key && query.has('uploadId')) {
    return [{ eventName: 'ObjectCreated:CompleteMultipartUpload', bucket, key }];
  }
  if (method === 'DELETE' && key && !query.has('uploadId'))
    return [{ eventName: 'ObjectRemoved:Delete', bucket, key }];
  if (target.isMultiDelete) {
    return [...deleteResult.matchAll(/<Deleted>\s*<Key>([^<]*)<\/Key>/g)].map((match) => ({
      eventName: 'ObjectRemoved:Delete' as const,
      bucket,
      key: unescapeXml(match[1] ?? ''),
    }));
  }
  // LIMITATION: browser form uploads (POST to the bucket) are not observed, so they get
  // no event locally; use PutObject, as the CLI, the SDK and the gallery do.
  return [];
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, '&');
}
