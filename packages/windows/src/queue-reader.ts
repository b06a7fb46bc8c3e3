import { computeRatios, type KpiCounts, type KpiRatios, planQueue, type Planning, slValue } from '@callboard/kpi';
import type { ResolvedQueue } from '@callboard/queue-config';
import type { LiveQueueState, WindowStore } from './store.js';
import { resolveWindow, WINDOW_NAMES, type WindowName } from './window-ranges.js';

/** One window's counters and every ratio, the JSON shape of `callboard query` and of cc.kpi.v1. */
export interface WindowKpi extends KpiRatios {
  name: string;
  from: string;
  to: string;
  counts: KpiCounts;
  primarySlValue: number | null;
}

export interface QueueView {
  tenantId: string;
  queueId: string;
  at: string;
  primarySl: string;
  slThresholdMs: number;
  shortAbandonMs: number;
  slTarget: number;
  windows: WindowKpi[];
  live: {
    callsWaiting: number;
    longestWaitingMs: number | null;
    agentsLoggedOut: number;
    agentsAvailable: number;
    agentsOnCall: number;
    agentsWrapUp: number;
    agentsAway: number;
    occupancy: number | null;
  };
  planning: Planning;
  stats: { anomalies: number; duplicates: number; late: number };
}

export function windowKpi(name: string, from: number, to: number, counts: KpiCounts, primarySl: ResolvedQueue['primarySl']): WindowKpi {
  const ratios = computeRatios(counts);
  return { name, from: new Date(from).toISOString(), to: new Date(to).toISOString(), counts, ...ratios, primarySlValue: slValue(ratios, primarySl) };
}

/** Reads one queue's counters for a named window or a `[from, to)` range. */
export async function readWindow(store: WindowStore, queue: ResolvedQueue, window: WindowName | { from: number; to: number }, atMs: number, nowMs: number): Promise<WindowKpi> {
  const name = typeof window === 'string' ? window : 'range';
  const range = typeof window === 'string' ? resolveWindow(window, atMs, queue) : window;
  const read = await store.readRange(queue.tenantId, queue.queueId, range.from, range.to, nowMs);
  return windowKpi(name, read.from, read.to, read.counts, queue.primarySl);
}

function flattenLive(live: LiveQueueState): QueueView['live'] {
  return {
    callsWaiting: live.callsWaiting,
    longestWaitingMs: live.longestWaitingMs,
    agentsLoggedOut: live.agents.logged_out,
    agentsAvailable: live.agents.available,
    agentsOnCall: live.agents.on_call,
    agentsWrapUp: live.agents.wrap_up,
    agentsAway: live.agents.away,
    occupancy: live.occupancy,
  };
}

/**
 * Everything known about one queue at `atMs`: every window, the live state, Erlang C projections and
 * the anomaly counts. The aggregator publishes it to cc.kpi.v1; `callboard query` prints it.
 */
export async function readQueueView(
  store: WindowStore,
  queue: ResolvedQueue,
  atMs: number,
  options: { nowMs?: number; windows?: readonly WindowName[] } = {},
): Promise<QueueView> {
  // Retention runs on the wall clock, so which buckets still exist depends on now, not on `at`.
  const nowMs = options.nowMs ?? Date.now();
  const windows = options.windows ?? WINDOW_NAMES;
  const [kpis, live, stats] = await Promise.all([
    Promise.all(windows.map((w) => readWindow(store, queue, w, atMs, nowMs))),
    store.liveState(queue.tenantId, queue.queueId, nowMs),
    store.queueStats(queue.tenantId, queue.queueId),
  ]);
  const recent = kpis.find((k) => k.name === 'rolling-15m') ?? (await readWindow(store, queue, 'rolling-15m', atMs, nowMs));
  const hour = kpis.find((k) => k.name === 'rolling-60m') ?? (await readWindow(store, queue, 'rolling-60m', atMs, nowMs));
  const planning = planQueue({
    offered: recent.counts.offered,
    intervalMs: 15 * 60_000,
    ahtMs: hour.ahtMs,
    agentsStaffed: live.agents.available + live.agents.on_call + live.agents.wrap_up,
    slThresholdMs: queue.slThresholdMs,
    slTarget: queue.slTarget,
  });
  return {
    tenantId: queue.tenantId,
    queueId: queue.queueId,
    at: new Date(atMs).toISOString(),
    primarySl: queue.primarySl,
    slThresholdMs: queue.slThresholdMs,
    shortAbandonMs: queue.shortAbandonMs,
    slTarget: queue.slTarget,
    windows: kpis,
    live: flattenLive(live),
    planning,
    stats,
  };
}
