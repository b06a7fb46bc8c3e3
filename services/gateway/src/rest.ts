import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertStore } from '@callboard/alerter';
import { isCallboardError } from '@callboard/errors';
import { IDENTIFIER_PATTERN } from '@callboard/events';
import type { QueueConfig } from '@callboard/queue-config';
import type { Logger } from '@callboard/runtime';
import { readQueueView, readWindow, windowKpi, WINDOW_NAMES, type WindowName, type WindowStore } from '@callboard/windows';
import { bearerTokenKey } from './connection-limits.js';
import { GatewayError } from './errors.js';
import { authenticate, pathOf, requireTenant, sendError, sendJson, bearerToken } from './http-util.js';
import type { Hub } from './hub.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import type { TicketStore } from './tickets.js';

export interface RestDeps {
  secret: string;
  hub: Hub;
  store: WindowStore;
  alerts: AlertStore;
  queues: QueueConfig;
  tickets: TicketStore;
  logger: Logger;
  now?: () => number;
}

const KPIS_PATH = /^\/api\/v1\/tenants\/([^/]+)\/queues\/([^/]+)\/kpis$/;
const ALERTS_PATH = /^\/api\/v1\/tenants\/([^/]+)\/alerts$/;
const SNAPSHOT_PATH = /^\/api\/v1\/tenants\/([^/]+)\/snapshot$/;
const SERIES_PATH = /^\/api\/v1\/tenants\/([^/]+)\/queues\/([^/]+)\/series$/;
/** The wallboard's sparkline: at most this many points per request. */
const MAX_SERIES_STEPS = 120;
/** Each point is the primary SL of the rolling-5m window ending at it. */
const SERIES_WINDOW_MS = 5 * 60_000;

function identifierParam(raw: string, what: string): string {
  let value: string;
  try {
    value = decodeURIComponent(raw);
  } catch {
    value = '';
  }
  if (!IDENTIFIER_PATTERN.test(value)) throw new BadRequest(`${what} must match [A-Za-z0-9_.-]{1,64}`);
  return value;
}

class BadRequest extends Error {}

function intParam(url: URL, name: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new BadRequest(`${name} must be an integer in [${min}, ${max}]`);
  return value;
}

function isoParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const ms = Date.parse(raw);
  if (!Number.isFinite(ms)) throw new BadRequest(`${name} must be an ISO 8601 time`);
  return ms;
}

/**
 * The REST part of the gateway (DESIGN §7 "HTTP"); `/openapi.json` describes it. Every tenant route
 * needs a bearer token of that tenant. Only paths are logged, never query strings.
 */
export function createRestHandler(deps: RestDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const log = deps.logger.child({ module: 'rest' });
  const now = deps.now ?? Date.now;

  async function kpis(res: ServerResponse, url: URL, tenantId: string, queueId: string): Promise<void> {
    const window = url.searchParams.get('window') ?? undefined;
    const from = isoParam(url, 'from');
    const to = isoParam(url, 'to');
    if ((window === undefined) === (from === undefined || to === undefined)) throw new BadRequest('give either window or both from and to');
    if (window !== undefined && !(WINDOW_NAMES as readonly string[]).includes(window)) throw new BadRequest(`window must be one of ${WINDOW_NAMES.join(', ')}`);
    if (from !== undefined && to !== undefined && from >= to) throw new BadRequest('from must be before to');
    const nowMs = now();
    const atMs = isoParam(url, 'at') ?? nowMs;
    const queue = deps.queues.resolve(tenantId, queueId);
    // The shape of `callboard query --json` (packages/cli/src/commands/query.ts).
    const kpi = await readWindow(deps.store, queue, (window as WindowName | undefined) ?? { from: from!, to: to! }, atMs, nowMs);
    const view = await readQueueView(deps.store, queue, atMs, { nowMs, windows: [] });
    const { name, from: effFrom, to: effTo, primarySlValue, ...rest } = kpi;
    sendJson(res, 200, { queues: [{ tenantId, queueId, window: name, from: effFrom, to: effTo, ...rest, primarySl: queue.primarySl, primarySlValue, live: view.live, planning: view.planning, stats: view.stats }] });
  }

  /**
   * The wallboard's sparkline seed: one point per `step` seconds over the last `minutes`, each the
   * primary SL of the rolling-5m window ending there (null when nothing was answered or abandoned).
   */
  async function series(res: ServerResponse, url: URL, tenantId: string, queueId: string): Promise<void> {
    const minutes = intParam(url, 'minutes', 60, 1, 1440);
    const stepSeconds = intParam(url, 'step', 60, 10, 3600);
    const steps = Math.min(MAX_SERIES_STEPS, Math.max(1, Math.floor((minutes * 60) / stepSeconds)));
    const queue = deps.queues.resolve(tenantId, queueId);
    const nowMs = now();
    const stepMs = stepSeconds * 1000;
    const last = Math.floor(nowMs / stepMs) * stepMs;
    const ends = Array.from({ length: steps }, (_, i) => last - (steps - 1 - i) * stepMs);
    const points = await Promise.all(
      ends.map(async (end) => {
        const read = await deps.store.readRange(tenantId, queueId, end - SERIES_WINDOW_MS, end, nowMs);
        const kpi = windowKpi('rolling-5m', read.from, read.to, read.counts, queue.primarySl);
        return { at: new Date(end).toISOString(), value: kpi.primarySlValue, offered: read.counts.offered };
      }),
    );
    sendJson(res, 200, { tenantId, queueId, primarySl: queue.primarySl, slTarget: queue.slTarget, window: 'rolling-5m', stepSeconds, points });
  }

  async function route(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const path = pathOf(req);
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (req.method === 'GET' && path === '/openapi.json') {
      sendJson(res, 200, OPENAPI_DOCUMENT);
      return true;
    }
    if (req.method === 'POST' && path === '/api/v1/ws-ticket') {
      const claims = await authenticate(req, deps.secret);
      const ticket = await deps.tickets.issue({ claims, tokenKey: bearerTokenKey(bearerToken(req)!) });
      sendJson(res, 201, { ticket, expiresInSeconds: deps.tickets.ttlSeconds });
      return true;
    }
    if (req.method !== 'GET') return false;
    let m = KPIS_PATH.exec(path);
    if (m) {
      const claims = await authenticate(req, deps.secret);
      const tenantId = identifierParam(m[1]!, 'tenant');
      requireTenant(claims, tenantId);
      await kpis(res, url, tenantId, identifierParam(m[2]!, 'queue'));
      return true;
    }
    m = SERIES_PATH.exec(path);
    if (m) {
      const claims = await authenticate(req, deps.secret);
      const tenantId = identifierParam(m[1]!, 'tenant');
      requireTenant(claims, tenantId);
      await series(res, url, tenantId, identifierParam(m[2]!, 'queue'));
      return true;
    }
    m = ALERTS_PATH.exec(path);
    if (m) {
      const claims = await authenticate(req, deps.secret);
      const tenantId = identifierParam(m[1]!, 'tenant');
      requireTenant(claims, tenantId);
      sendJson(res, 200, { alerts: await deps.alerts.list(tenantId) });
      return true;
    }
    m = SNAPSHOT_PATH.exec(path);
    if (m) {
      const claims = await authenticate(req, deps.secret);
      const tenantId = identifierParam(m[1]!, 'tenant');
      requireTenant(claims, tenantId);
      sendJson(res, 200, { epoch: deps.hub.epoch, queues: deps.hub.tenantViews(tenantId) });
      return true;
    }
    return false;
  }

  return async (req, res) => {
    try {
      const handled = await route(req, res);
      if (handled) log.debug({ method: req.method, path: pathOf(req), status: res.statusCode }, 'request');
      return handled;
    } catch (err) {
      if (err instanceof GatewayError) sendError(res, err.status, err.reason, err.message);
      else if (err instanceof BadRequest) sendError(res, 400, 'invalid', err.message);
      else if (isCallboardError(err) && err.retriable) sendError(res, 503, 'unavailable', 'a dependency is unavailable; try again');
      else if (isCallboardError(err, 'CB_QUEUE_CONFIG_INVALID')) sendError(res, 400, 'invalid', err.message);
      else {
        log.error({ err, method: req.method, path: pathOf(req) }, 'request failed');
        sendError(res, 500, 'internal', 'internal error');
      }
      return true;
    }
  };
}
