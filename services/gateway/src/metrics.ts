import { Counter, Gauge, Registry } from '@callboard/runtime';
import type { KpiView } from '@callboard/windows';
import { viewKey } from './hub.js';

export interface GatewayMetrics {
  connections: Gauge;
  upgradesRefused: Counter<'reason'>;
  /** HTTP requests refused for their credential, by route (`rest`, `ticket`, `metrics`) and reason (including `role_forbidden`). */
  requestsRefused: Counter<'route' | 'reason'>;
  ticketsRateLimited: Counter;
  closes: Counter<'code'>;
  protocolErrors: Counter<'code'>;
  coalesced: Counter;
}

/**
 * KPIs exported per queue and window (DESIGN §7: Grafana charts callboard straight from /metrics), by
 * their path in a window of the view; `sl.primary` is the window's `primarySlValue`. The wave 2 ones
 * (issue 11) are absent from snapshots written before it, and left out like a null.
 */
const WINDOW_METRICS = [
  'sl.primary',
  'answerRate',
  'abandonRate',
  'asaMs',
  'fcrRate',
  'outbound.connectRate',
  'outbound.successRate',
  'outbound.avgRingMs',
  'avgFirstResponseMs',
  'firstResponseWithinTarget',
  'complaintsPer10k',
  'complaintsPer10kSubscribers',
  'complaintResponseOnTimeRate',
  'csatRate',
  'avgCsat',
  'nps',
  'surveyResolvedRate',
  'fcrRepeatRate',
] as const;
const LIVE_METRICS = ['callsWaiting', 'longestWaitingMs', 'agentsAvailable', 'agentsOnCall', 'complaintsOpen', 'complaintsOverdue', 'oldestOpenComplaintAgeMs'] as const;
/** Of `monthToDate`, with `window="month"`: the calendar month to date in the tenant's zone. */
const MONTH_METRICS = ['complaintsFiled', 'complaintsPer10kSubscribers'] as const;

/** The number at `path` (dot-separated) of `from`, or null when absent or not a finite number. */
function numberAt(from: unknown, path: string): number | null {
  let v: unknown = from;
  for (const part of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * `callboard_kpi{tenant,queue,window,metric}` and `callboard_kpi_snapshot_timestamp_seconds` of the
 * given views only, in the Prometheus text format; the tenant total has `queue="*"`. A fresh registry per scrape: the caller has already
 * narrowed `views` to what its credential may see (issue 8 item 1), and nothing else is in it. Live
 * values carry `window="live"`; a null KPI (no calls yet) is left out. Each source of a tenant
 * (snapshots' `sources[]`, decision 0008) gives `callboard_source_stale` and its ages in seconds, as of
 * the newest snapshot carrying it.
 */
export async function renderKpiMetrics(views: Iterable<KpiView>): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const kpi = new Gauge({ name: 'callboard_kpi', help: 'Latest KPI of each queue from cc.kpi.v1, by tenant, queue, window ("live" for live state) and metric.', labelNames: ['tenant', 'queue', 'window', 'metric'], registers: [registry] });
  const age = new Gauge({ name: 'callboard_kpi_snapshot_timestamp_seconds', help: 'Time (at) of the latest KPI snapshot of each queue, to chart data age.', labelNames: ['tenant', 'queue'], registers: [registry] });
  const stale = new Gauge({ name: 'callboard_source_stale', help: 'Whether a source of the tenant is stale (1) or fresh (0): no heartbeat for 60 s, or its events stuck on the way (docs/decisions/0008-source-freshness.md).', labelNames: ['tenant', 'source'], registers: [registry] });
  const eventAge = new Gauge({ name: 'callboard_source_newest_event_age_seconds', help: 'Age of the newest event of each source the aggregator received, at the snapshot time.', labelNames: ['tenant', 'source'], registers: [registry] });
  const heartbeatAge = new Gauge({ name: 'callboard_source_heartbeat_age_seconds', help: 'Age of the last heartbeat of each source, at the snapshot time.', labelNames: ['tenant', 'source'], registers: [registry] });
  const sourcesAt = new Map<string, number>();
  for (const view of views) {
    const at = Date.parse(view.at);
    if (view.sources && at >= (sourcesAt.get(view.tenantId) ?? -Infinity)) {
      sourcesAt.set(view.tenantId, at);
      for (const src of view.sources) {
        const labels = { tenant: view.tenantId, source: src.source };
        stale.set(labels, src.stale ? 1 : 0);
        if (src.newestEventAgeMs !== null) eventAge.set(labels, src.newestEventAgeMs / 1000);
        if (src.heartbeatAgeMs !== null) heartbeatAge.set(labels, src.heartbeatAgeMs / 1000);
      }
    }
    const base = { tenant: view.tenantId, queue: viewKey(view) };
    for (const w of view.windows) {
      for (const metric of WINDOW_METRICS) {
        const v = numberAt(w, metric === 'sl.primary' ? 'primarySlValue' : metric);
        if (v !== null) kpi.set({ ...base, window: w.name, metric }, v);
      }
    }
    for (const metric of LIVE_METRICS) {
      const v = numberAt(view.live, metric);
      if (v !== null) kpi.set({ ...base, window: 'live', metric }, v);
    }
    for (const metric of MONTH_METRICS) {
      const v = numberAt(view.monthToDate, metric);
      if (v !== null) kpi.set({ ...base, window: 'month', metric }, v);
    }
    age.set(base, Date.parse(view.at) / 1000);
  }
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * The gateway's operational metrics, on the process registry that the ops listener serves. They carry
 * no tenant label: per-tenant KPI series are only on the public `/metrics`, behind a credential.
 */
export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  return {
    connections: new Gauge({ name: 'callboard_gateway_connections', help: 'Open WebSocket connections.', registers: [registry] }),
    upgradesRefused: new Counter({ name: 'callboard_gateway_upgrades_refused_total', help: 'WebSocket upgrades refused before completing, by reason.', labelNames: ['reason'], registers: [registry] }),
    requestsRefused: new Counter({ name: 'callboard_gateway_requests_refused_total', help: 'HTTP requests refused for their credential (token_missing, token_invalid, token_expired, tenant_forbidden: another tenant, role_forbidden: a valid token of a role the gateway does not serve, such as ingest), by route and reason.', labelNames: ['route', 'reason'], registers: [registry] }),
    ticketsRateLimited: new Counter({ name: 'callboard_gateway_tickets_rate_limited_total', help: 'WebSocket ticket requests refused with 429 because their token took its tickets of the minute.', registers: [registry] }),
    closes: new Counter({ name: 'callboard_gateway_closes_total', help: 'Connections the server closed, by close code.', labelNames: ['code'], registers: [registry] }),
    protocolErrors: new Counter({ name: 'callboard_gateway_protocol_errors_total', help: 'Error frames sent to clients, by error code.', labelNames: ['code'], registers: [registry] }),
    coalesced: new Counter({ name: 'callboard_gateway_kpi_coalesced_total', help: 'KPI frames a slow client did not get because a newer one of the same queue replaced it.', registers: [registry] }),
  };
}
