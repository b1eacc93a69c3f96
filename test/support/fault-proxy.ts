import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What the proxy does to one request. */
export type Fault =
  | 'none'
  /** Answered 500 InternalError without reaching the endpoint. */
  | 'error-500'
  /** Answered 503 SlowDown (S3's throttling) without reaching the endpoint. */
  | 'error-503'
  /** Forwarded and carried out, then answered 500: the write happened, the client is told not. */
  | 'error-after'
  /** Forwarded; the response is held back for `delayMs`. */
  | { slowMs: number };

export interface ProxiedRequest {
  method: string;
  path: string;
  /** False for SQS (JSON protocol) requests. */
  s3: boolean;
}

/**
 * An HTTP proxy in front of the local endpoint that injects the faults `decide` picks, for
 * testing what storage failures do to the pipeline. `cut()` kills it as a crash would:
 * every open connection is dropped and no request gets through afterwards.
 */
export async function startFaultProxy(
  upstreamPort: number,
  decide: (request: ProxiedRequest) => Fault,
) {
  const sockets = new Set<Socket>();
  const requests: Array<ProxiedRequest & { fault: Fault }> = [];
  let cut = false;

  const server = createServer((incoming, outgoing) => {
    if (cut) return void incoming.socket.destroy();
    const proxied: ProxiedRequest = {
      method: incoming.method ?? 'GET',
      path: decodeURIComponent(new URL(incoming.url ?? '/', 'http://local').pathname),
      s3: !incoming.headers['x-amz-target'],
    };
    const fault = decide(proxied);
    requests.push({ ...proxied, fault });

    if (fault === 'error-500' || fault === 'error-503') {
      incoming.resume();
      incoming.on('end', () => answerError(incoming, outgoing, fault === 'error-500' ? 500 : 503));
      return;
    }
    const upstream = request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        if (fault === 'error-after') {
          response.resume();
          response.on('end', () => answerError(incoming, outgoing, 500));
          return;
        }
        const relay = () => {
          if (cut || outgoing.destroyed) return void response.destroy();
          outgoing.writeHead(response.statusCode ?? 502, response.headers);
          response.pipe(outgoing);
        };
        if (fault === 'none') relay();
        else setTimeout(relay, fault.slowMs);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    outgoing.on('close', () => upstream.destroy());
    incoming.pipe(upstream);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    /** Drops every connection and refuses all later requests, as a killed process would. */
    cut() {
      cut = true;
      for (const socket of sockets) socket.destroy();
    },
    async stop() {
      this.cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answerError(incoming: IncomingMessage, outgoing: ServerResponse, status: 500 | 503) {
  if (outgoing.destroyed) return;
  const code = status === 500 ? 'InternalError' : 'SlowDown';
  const body =
    `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>injected by the test</Message></Error>`;
  outgoing.writeHead(status, { 'content-type': 'application/xml' });
  outgoing.end(incoming.method === 'HEAD' ? undefined : body);
}
