import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AlertStore } from '@callboard/alerter';
import { CallboardError, isCallboardError } from '@callboard/errors';
import { IDENTIFIER_PATTERN } from '@callboard/events';
import type { QueueConfig } from '@callboard/queue-config';
import type { Logger } from '@callboard/runtime';
import { kpiRow, readQueueView, readTenantView, readTenantWindow, readWindow, tenantQueueIds, windowKpi, WINDOW_NAMES, type WindowName, type WindowStore } from '@callboard/windows';
import { isScrapeToken, verifyToken } from './auth.js';
import { bearerTokenKey } from './connection-limits.js';
import { GatewayError } from './errors.js';
import { authenticate, pathOf, requireTenant, sendError, sendJson, bearerToken } from './http-util.js';
import type { Hub } from './hub.js';
import type { GatewayKeys } from './keys.js';
import { type GatewayMetrics, renderKpiMetrics } from './metrics.js';
import { OPENAPI_DOCUMENT } from './openapi.js';
import type { FixedWindowLimiter } from './rate-limit.js';
import type { TicketStore } from './tickets.js';

export interface RestDeps {
  secret: string;
  hub: Hub;
  store: WindowStore;
  alerts: AlertStore;
  queues: QueueConfig;
  tickets: TicketStore;
  /** Tickets per token per minute (issue 8 item 5). */
  ticketLimiter: FixedWindowLimiter;
  keys: GatewayKeys;
  metrics: GatewayMetrics;
  /** Reads every tenant's KPI series on `/metrics`; undefined: only tenant tokens, each its own tenant. */
  scrapeToken?: string;
  logger: Logger;
  now?: () => number;
}

const KPIS_PATH = /^\/api\/v1\/tenants\/([^/]+)\/queues\/([^/]+)\/kpis$/;
const TENANT_KPIS_PATH = /^\/api\/v1\/tenants\/([^/]+)\/kpis$/;
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

/** An RFC 3339 instant with an explicit zone, which `Date.parse` alone would not insist on. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function isoParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const ms = ISO_INSTANT.test(raw) ? Date.parse(raw) : NaN;
  if (!Number.isFinite(ms)) throw new BadRequest(`${name} must be an ISO 8601 instant with a zone, like 2026-05-10T08:00:00Z`);
  return ms;
}

/** The route label of the refusal counter. */
function routeOf(path: string): 'metrics' | 'ticket' | 'rest' {
  if (path === '/metrics') return 'metrics';
  return path === '/api/v1/ws-ticket' ? 'ticket' : 'rest';
}

/**
 * The REST part of the gateway (DESIGN §7 "HTTP"); `/openapi.json` describes it. Every tenant route
 * needs a bearer token of that tenant. Only paths are logged, never query strings.
 */
export function createRestHandler(deps: RestDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const log = deps.logger.child({ module: 'rest' });
  const now = deps.now ?? Date.now;

  /** `window`, or `from` and `to`, and `at` of a KPI read, checked. */
  function kpiQuery(url: URL): { window: WindowName | { from: number; to: number }; atMs: number; nowMs: number } {
    const window = url.searchParams.get('window') ?? undefined;
    const from = isoParam(url, 'from');
    const to = isoParam(url, 'to');
    if ((window === undefined) === (from === undefined || to === undefined)) throw new BadRequest('give either window or both from and to');
    if (window !== undefined && !(WINDOW_NAMES as readonly string[]).includes(window)) throw new BadRequest(`window must be one of ${WINDOW_NAMES.join(', ')}`);
    // An empty range [t, t) is a valid question with zero counts (issue 8, item 6); only an inverted one is refused.
    if (from !== undefined && to !== undefined && from > to) throw new BadRequest('from must not be after to');
    const nowMs = now();
    return { window: (window as WindowName | undefined) ?? { from: from!, to: to! }, atMs: isoParam(url, 'at') ?? nowMs, nowMs };
  }

  async function kpis(res: ServerResponse, url: URL, tenantId: string, queueId: string): Promise<void> {
    const { window, atMs, nowMs } = kpiQuery(url);
    const queue = deps.queues.resolve(tenantId, queueId);
    const subscribers = deps.queues.tenantSettings(tenantId).subscribers;
    // The shape of `callboard query --json` (packages/cli/src/commands/query.ts).
    const [kpi, view] = await Promise.all([readWindow(deps.store, queue, window, atMs, nowMs, subscribers), readQueueView(deps.store, queue, atMs, { nowMs, windows: [], tenants: deps.queues })]);
    sendJson(res, 200, { queues: [kpiRow(kpi, view)] });
  }

  /** The tenant total (decision 0010 §6): the row of `callboard query`'s `tenants`. */
  async function tenantKpis(res: ServerResponse, url: URL, tenantId: string): Promise<void> {
    const { window, atMs, nowMs } = kpiQuery(url);
    const queueIds = await tenantQueueIds(deps.store, deps.queues, tenantId, nowMs);
    const [kpi, view] = await Promise.all([readTenantWindow(deps.store, deps.queues, tenantId, queueIds, window, atMs, nowMs), readTenantView(deps.store, deps.queues, tenantId, queueIds, atMs, { nowMs, windows: [] })]);
    sendJson(res, 200, { tenants: [kpiRow(kpi, view)] });
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
      const tokenKey = bearerTokenKey(bearerToken(req)!);
      // Each ticket is a Redis key: a token takes at most ticketLimiter.limit of them a minute.
      const slot = await deps.ticketLimiter.take(deps.keys.ticketRate(tokenKey));
      if (!slot.allowed) {
        deps.metrics.ticketsRateLimited.inc();
        throw new CallboardError('CB_RATE_LIMITED', `at most ${deps.ticketLimiter.limit} tickets per token per minute`, { retryAfterMs: slot.retryAfterMs });
      }
      const ticket = await deps.tickets.issue({ claims, tokenKey });
      sendJson(res, 201, { ticket, expiresInSeconds: deps.tickets.ttlSeconds });
      return true;
    }
    if (req.method === 'GET' && path === '/metrics') {
      // Per-tenant KPI series need a credential (issue 8 item 1): the scrape token sees every tenant,
      // a tenant token (any role) its own tenant only. Operational metrics are on the ops listener.
      const presented = bearerToken(req);
      const views = isScrapeToken(presented, deps.scrapeToken) ? deps.hub.allViews() : deps.hub.tenantViews((await verifyToken(presented, deps.secret)).tenantId);
      const { contentType, body } = await renderKpiMetrics(views);
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
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
    m = TENANT_KPIS_PATH.exec(path);
    if (m) {
      const claims = await authenticate(req, deps.secret);
      const tenantId = identifierParam(m[1]!, 'tenant');
      requireTenant(claims, tenantId);
      await tenantKpis(res, url, tenantId);
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
      const alerts = await deps.alerts.list(tenantId);
      // Each stored state describes its rule: the hub learns rules it has no record of yet.
      deps.hub.describeRules(tenantId, alerts);
      sendJson(res, 200, { alerts });
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
      if (err instanceof GatewayError) {
        deps.metrics.requestsRefused.inc({ route: routeOf(pathOf(req)), reason: err.reason });
        sendError(res, err.status, err.reason, err.message);
      } else if (err instanceof BadRequest) sendError(res, 400, 'invalid', err.message);
      else if (isCallboardError(err, 'CB_RANGE_TOO_LARGE')) sendError(res, 400, err.code, err.message);
      else if (isCallboardError(err, 'CB_RATE_LIMITED')) {
        res.setHeader('retry-after', String(Math.ceil(Number(err.context.retryAfterMs) / 1000)));
        sendError(res, 429, err.code, err.message);
      }
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
