import { Counter, Gauge, type Registry } from '@callboard/runtime';
import type { Hub } from './hub.js';

export interface GatewayMetrics {
  connections: Gauge;
  upgradesRefused: Counter<'reason'>;
  closes: Counter<'code'>;
  protocolErrors: Counter<'code'>;
  coalesced: Counter;
}

/** KPIs exported per queue and window (DESIGN §7: Grafana charts callboard straight from /metrics). */
const WINDOW_METRICS = ['sl.primary', 'answerRate', 'abandonRate', 'asaMs'] as const;
const LIVE_METRICS = ['callsWaiting', 'longestWaitingMs', 'agentsAvailable', 'agentsOnCall'] as const;

/**
 * The gateway's own metrics, plus `callboard_kpi{tenant,queue,window,metric}`, read from the hub's latest
 * views at scrape time. Live values carry `window="live"`; a null KPI (no calls yet) is left out.
 */
export function createGatewayMetrics(registry: Registry, hub: Hub): GatewayMetrics {
  new Gauge({
    name: 'callboard_kpi',
    help: 'Latest KPI of each queue from cc.kpi.v1, by tenant, queue, window ("live" for live state) and metric.',
    labelNames: ['tenant', 'queue', 'window', 'metric'],
    registers: [registry],
    collect() {
      this.reset();
      for (const view of hub.allViews()) {
        const base = { tenant: view.tenantId, queue: view.queueId };
        for (const w of view.windows) {
          const values: Record<(typeof WINDOW_METRICS)[number], number | null> = { 'sl.primary': w.primarySlValue, answerRate: w.answerRate, abandonRate: w.abandonRate, asaMs: w.asaMs };
          for (const metric of WINDOW_METRICS) {
            const v = values[metric];
            if (v !== null && Number.isFinite(v)) this.set({ ...base, window: w.name, metric }, v);
          }
        }
        for (const metric of LIVE_METRICS) {
          const v = view.live[metric];
          if (v !== null && Number.isFinite(v)) this.set({ ...base, window: 'live', metric }, v);
        }
      }
    },
  });
  new Gauge({
    name: 'callboard_kpi_snapshot_timestamp_seconds',
    help: 'Time (at) of the latest KPI snapshot of each queue, to chart data age.',
    labelNames: ['tenant', 'queue'],
    registers: [registry],
    collect() {
      this.reset();
      for (const view of hub.allViews()) this.set({ tenant: view.tenantId, queue: view.queueId }, Date.parse(view.at) / 1000);
    },
  });
  return {
    connections: new Gauge({ name: 'callboard_gateway_connections', help: 'Open WebSocket connections.', registers: [registry] }),
    upgradesRefused: new Counter({ name: 'callboard_gateway_upgrades_refused_total', help: 'WebSocket upgrades refused before completing, by reason.', labelNames: ['reason'], registers: [registry] }),
    closes: new Counter({ name: 'callboard_gateway_closes_total', help: 'Connections the server closed, by close code.', labelNames: ['code'], registers: [registry] }),
    protocolErrors: new Counter({ name: 'callboard_gateway_protocol_errors_total', help: 'Error frames sent to clients, by error code.', labelNames: ['code'], registers: [registry] }),
    coalesced: new Counter({ name: 'callboard_gateway_kpi_coalesced_total', help: 'KPI frames a slow client did not get because a newer one of the same queue replaced it.', registers: [registry] }),
  };
}
