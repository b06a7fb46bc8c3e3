import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedAlert {
  kind: string;
  fingerprint: string;
  ruleId: string;
  tenantId: string;
  queueId: string;
  episode: number;
  at: number;
  routes: string[];
  silenced?: boolean;
}

export interface ReceivedPost {
  idempotencyKey: string;
  /** The route the alerter says it sent to (the payload's `route`). */
  route: string;
  alerts: ReceivedAlert[];
  headers: IncomingHttpHeaders;
  receivedAt: number;
}

/** A real HTTP server on loopback that records every webhook POST; it can be told to fail or to answer slowly. */
export interface WebhookReceiver {
  url: string;
  /** Every POST answered with a 2xx, in order of arrival, duplicates included. */
  posts: ReceivedPost[];
  /** Posts with distinct idempotency keys, as a receiver that honours the header would keep. */
  unique(): ReceivedPost[];
  /** Each alert notification once per idempotency key. */
  alerts(): ReceivedAlert[];
  setStatus(status: number): void;
  /** How many POSTs were answered with the failing status of {@link WebhookReceiver.setStatus}. */
  refused(): number;
  /** Holds every answer this long (ms); the POST is recorded when it arrives. */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const posts: ReceivedPost[] = [];
  let status = 200;
  let delayMs = 0;
  let refused = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (status >= 300) {
        refused += 1;
        res.writeHead(status).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { route: string; alerts: ReceivedAlert[] };
      posts.push({ idempotencyKey: String(req.headers['idempotency-key']), route: body.route, alerts: body.alerts, headers: req.headers, receivedAt: Date.now() });
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (delayMs > 0) setTimeout(answer, delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const unique = () => [...new Map(posts.map((p) => [p.idempotencyKey, p])).values()];
  return {
    url: `http://127.0.0.1:${port}/hook`,
    posts,
    unique,
    alerts: () => unique().flatMap((p) => p.alerts),
    setStatus: (s) => {
      status = s;
    },
    refused: () => refused,
    setDelay: (ms) => {
      delayMs = ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
