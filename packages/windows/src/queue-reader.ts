import { computeRatios, effectiveAgents, type KpiCounts, type KpiRatios, planQueue, type Planning, queueLoad, slValue } from '@callboard/kpi';
import type { ResolvedQueue } from '@callboard/queue-config';
import type { LiveQueueState, WindowStore } from './store.js';
import type { SourceFreshness } from './source-freshness.js';
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
  /** The tenant's sources and their freshness (docs/decisions/0008-source-freshness.md); absent in snapshots written before it. */
  sources?: SourceFreshness[];
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

/**
 * Offered loads (erlangs) of queues by `tenantId/queueId`, shared by the views read at one instant so
 * that a queue is read once however many multi-queue agents name it. Build a new one per instant.
 */
export type QueueLoadCache = Map<string, Promise<number | null>>;

const FIFTEEN_MINUTES_MS = 15 * 60_000;

/** A queue's load from the same windows its own planning uses: rolling-15m arrivals, rolling-60m AHT. */
function loadOfQueue(store: WindowStore, queue: ResolvedQueue, queueId: string, atMs: number, nowMs: number, cache: QueueLoadCache): Promise<number | null> {
  const key = `${queue.tenantId}/${queueId}`;
  let load = cache.get(key);
  if (!load) {
    // Rolling windows depend only on `at`, so the ranges of this queue serve every queue of the tenant.
    const recent = resolveWindow('rolling-15m', atMs, queue);
    const hour = resolveWindow('rolling-60m', atMs, queue);
    load = Promise.all([
      store.readRange(queue.tenantId, queueId, recent.from, recent.to, nowMs),
      store.readRange(queue.tenantId, queueId, hour.from, hour.to, nowMs),
    ]).then(([r, h]) => queueLoad(r.counts.offered, FIFTEEN_MINUTES_MS, computeRatios(h.counts).ahtMs));
    cache.set(key, load);
  }
  return load;
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
  options: { nowMs?: number; windows?: readonly WindowName[]; loads?: QueueLoadCache } = {},
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
  // Multi-queue agents count as their share of this queue (issue 8 item 13, docs/kpi-topic.md).
  const loads = options.loads ?? new Map();
  loads.set(`${queue.tenantId}/${queue.queueId}`, Promise.resolve(queueLoad(recent.counts.offered, FIFTEEN_MINUTES_MS, hour.ahtMs)));
  const others = new Set(live.staffedAgentQueues.flat());
  const known = new Map<string, number | null>();
  await Promise.all([...others].map(async (queueId) => known.set(queueId, await loadOfQueue(store, queue, queueId, atMs, nowMs, loads))));
  const planning = planQueue({
    offered: recent.counts.offered,
    intervalMs: FIFTEEN_MINUTES_MS,
    ahtMs: hour.ahtMs,
    agentsStaffed: live.agents.available + live.agents.on_call + live.agents.wrap_up,
    agentsStaffedEffective: effectiveAgents(live.staffedAgentQueues, queue.queueId, (queueId) => known.get(queueId) ?? null),
    callsWaiting: live.callsWaiting,
    agentsAvailable: live.agents.available,
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
