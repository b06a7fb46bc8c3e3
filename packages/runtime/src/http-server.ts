import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { CallboardError } from '@callboard/errors';
import type { Logger } from './logger.js';

export type ReadinessCheck = () => Promise<boolean> | boolean;

export interface OpsServerOptions {
  port: number;
  host?: string;
  /** Served at `/metrics`; without one, `/metrics` goes to `handle` like any other route. */
  metrics?: Registry;
  logger: Logger;
  /** Named checks; `/readyz` is 200 only when all pass. */
  readiness?: Record<string, ReadinessCheck>;
  /** Further routes; return false to fall through to 404. */
  handle?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
}

export interface OpsServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

async function runChecks(checks: Record<string, ReadinessCheck>): Promise<Record<string, boolean>> {
  const results: Record<string, boolean> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        results[name] = await check();
      } catch {
        results[name] = false;
      }
    }),
  );
  return results;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

/** `/healthz` (the process answers), `/readyz` (its dependencies answer) and `/metrics` (Prometheus). */
/**
 * Listens, or fails with a reason a person can act on: a port in use or not allowed is a
 * configuration mistake (`CB_CONFIG_INVALID`: two instances on one port), not a crash.
 */
export async function listenOn(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
        reject(new CallboardError('CB_CONFIG_INVALID', `cannot listen on ${host}:${port} (${err.code}): ${err.code === 'EADDRINUSE' ? 'another process uses that port; give each instance its own port (0 picks a free one)' : 'that address or port is not available to this process'}`, { cause: err }));
      } else reject(err);
    });
    server.listen(port, host, () => resolve());
  });
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const log = options.logger.child({ module: 'http' });
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method === 'GET' && path === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (req.method === 'GET' && path === '/readyz') {
        const checks = await runChecks(options.readiness ?? {});
        const ready = Object.values(checks).every(Boolean);
        return sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not-ready', checks });
      }
      if (options.metrics && req.method === 'GET' && path === '/metrics') {
        res.writeHead(200, { 'content-type': options.metrics.contentType });
        res.end(await options.metrics.metrics());
        return;
      }
      if (options.handle && (await options.handle(req, res))) return;
      sendJson(res, 404, { error: { code: 'not_found', message: `no route for ${req.method} ${path}` } });
    })().catch((err: unknown) => {
      log.error({ err }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'internal', message: 'internal error' } });
      else res.destroy();
    });
  });
  await listenOn(server, options.port, options.host ?? '127.0.0.1');
  const port = (server.address() as AddressInfo).port;
  log.info({ port, host: options.host ?? '127.0.0.1' }, options.metrics ? 'listening on /healthz /readyz /metrics' : 'listening on /healthz /readyz');
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
