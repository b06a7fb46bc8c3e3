import { addCounts, computeRatios, effectiveAgents, type KpiCounts, type KpiRatios, planQueue, type Planning, queueLoad, slValue } from '@callboard/kpi';
import type { QueueConfig, ResolvedQueue } from '@callboard/queue-config';
import { decodeAgentValue } from './agent-value.js';
import { tenantAgentsKey } from './bucket-keys.js';
import type { ComplaintLiveState, LiveQueueState, WindowStore } from './store.js';
import type { SourceFreshness } from './source-freshness.js';
import { monthOf, resolveWindow, WINDOW_NAMES, type WindowName } from './window-ranges.js';

/** One window's counters and every ratio, the JSON shape of `callboard query` and of cc.kpi.v1. */
export interface WindowKpi extends KpiRatios {
  name: string;
  from: string;
  to: string;
  counts: KpiCounts;
  primarySlValue: number | null;
}

/** Complaint live state (decision 0010 §4): of one queue, or of the whole tenant in its total. */
export type ComplaintLive = ComplaintLiveState;

/** Complaints filed in the calendar month of `at` in the tenant's zone (decision 0010 §6). */
export interface MonthToDate {
  /** 'YYYY-MM'. */
  month: string;
  complaintsFiled: number;
  /** complaintsFiled / the tenant's subscribers × 10 000; null without a subscriber count. */
  complaintsPer10kSubscribers: number | null;
}

/**
 * One KPI snapshot as cc.kpi.v1, `callboard query` and REST carry it (docs/kpi-topic.md): a queue's
 * ({@link QueueView}) or the tenant total ({@link TenantView}, `queueId: null`).
 */
export interface KpiView {
  tenantId: string;
  /** null: the tenant total (topic key `<tenantId>/*`). */
  queueId: string | null;
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
    // Always filled by the readers here; optional for views built by hand or before issue 11.
  } & Partial<ComplaintLiveState>;
  /** Erlang C of the queue; null in a tenant total (no single queue to staff). */
  planning: Planning | null;
  stats: { anomalies: number; duplicates: number; late: number };
  /** The tenant's sources and their freshness (docs/decisions/0008-source-freshness.md); absent in snapshots written before it. */
  sources?: SourceFreshness[];
  /** Absent in snapshots written before issue 11. */
  monthToDate?: MonthToDate;
}

/** One queue's snapshot. */
export interface QueueView extends KpiView {
  queueId: string;
  planning: Planning;
}

/**
 * A tenant's total (decision 0010 §6): counters summed over its queues plus its queue-less complaint
 * counters, ratios from those sums; agents counted once each; no planning.
 */
export interface TenantView extends KpiView {
  queueId: null;
  planning: null;
}

/**
 * A tenant's month counters read at one instant, by `tenantId/month`, shared by every view of a tick
 * (one hash read per tenant, not per queue). Build a new one per instant.
 */
export type MonthCache = Map<string, ReturnType<WindowStore['complaintsFiledInMonth']>>;

/** Complaints filed this calendar month (the tenant's zone) of one queue, or of the tenant when `queueId` is null. */
export async function readMonthToDate(
  store: WindowStore,
  config: Pick<QueueConfig, 'clock' | 'tenantSettings'>,
  tenantId: string,
  queueId: string | null,
  atMs: number,
  cache: MonthCache = new Map(),
): Promise<MonthToDate> {
  const month = monthOf(config.clock(tenantId), atMs);
  const key = `${tenantId}/${month}`;
  let read = cache.get(key);
  if (!read) cache.set(key, (read = store.complaintsFiledInMonth(tenantId, month)));
  const filed = await read;
  const complaintsFiled = queueId === null ? filed.total : (filed.byQueue[queueId] ?? 0);
  const { subscribers } = config.tenantSettings(tenantId);
  return { month, complaintsFiled, complaintsPer10kSubscribers: subscribers !== undefined && subscribers > 0 ? (complaintsFiled / subscribers) * 10_000 : null };
}

/**
 * A window's row: its counters and every ratio from them.
 *
 * @param subscribers - the tenant's subscriber count, for complaintsPer10kSubscribers
 */
export function windowKpi(name: string, from: number, to: number, counts: KpiCounts, primarySl: ResolvedQueue['primarySl'], subscribers?: number): WindowKpi {
  const ratios = computeRatios(counts, subscribers === undefined ? {} : { subscribers });
  return { name, from: new Date(from).toISOString(), to: new Date(to).toISOString(), counts, ...ratios, primarySlValue: slValue(ratios, primarySl) };
}

/** Reads one queue's counters for a named window or a `[from, to)` range. */
export async function readWindow(store: WindowStore, queue: ResolvedQueue, window: WindowName | { from: number; to: number }, atMs: number, nowMs: number, subscribers?: number): Promise<WindowKpi> {
  const name = typeof window === 'string' ? window : 'range';
  const range = typeof window === 'string' ? resolveWindow(window, atMs, queue) : window;
  const read = await store.readRange(queue.tenantId, queue.queueId, range.from, range.to, nowMs);
  return windowKpi(name, read.from, read.to, read.counts, queue.primarySl, subscribers);
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

function flattenLive(live: LiveQueueState): Omit<QueueView['live'], keyof ComplaintLive> {
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

/** The tenant's settings a view needs: its clock (for the month) and its wave 2 settings (subscribers). */
export type TenantSettingsSource = Pick<QueueConfig, 'clock' | 'tenantSettings'>;

export interface ReadViewOptions {
  nowMs?: number;
  windows?: readonly WindowName[];
  loads?: QueueLoadCache;
  /**
   * The tenant side of issue 11: with it the view carries `subscribers` in its ratios, `monthToDate`
   * and the queue's complaint live state (`live.complaintsOpen` …); without it none of them (the
   * ratio is null, the fields absent) and no complaint key is read.
   */
  tenants?: TenantSettingsSource;
  /** The tick's month counters, shared across its views. */
  months?: MonthCache;
}

/**
 * Everything known about one queue at `atMs`: every window, the live state (complaints included),
 * Erlang C projections, the anomaly counts and the month's complaints. The aggregator publishes it
 * to cc.kpi.v1; `callboard query` prints it.
 */
export async function readQueueView(store: WindowStore, queue: ResolvedQueue, atMs: number, options: ReadViewOptions = {}): Promise<QueueView> {
  // Retention runs on the wall clock, so which buckets still exist depends on now, not on `at`.
  const nowMs = options.nowMs ?? Date.now();
  const windows = options.windows ?? WINDOW_NAMES;
  const subscribers = options.tenants?.tenantSettings(queue.tenantId).subscribers;
  const [kpis, live, stats, complaints, monthToDate] = await Promise.all([
    Promise.all(windows.map((w) => readWindow(store, queue, w, atMs, nowMs, subscribers))),
    store.liveState(queue.tenantId, queue.queueId, nowMs),
    store.queueStats(queue.tenantId, queue.queueId),
    options.tenants ? store.complaintState(queue.tenantId, queue.queueId, atMs) : undefined,
    options.tenants ? readMonthToDate(store, options.tenants, queue.tenantId, queue.queueId, atMs, options.months) : undefined,
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
    live: { ...flattenLive(live), ...complaints },
    planning,
    stats,
    ...(monthToDate ? { monthToDate } : {}),
  };
}

/** A queue id no queue can have (identifiers are [A-Za-z0-9_.-]): resolves to the tenant's default settings. */
export const TENANT_TOTAL_QUEUE = '*';

/** Every agent of the tenant once, by its state, however many of the tenant's queues it serves. */
async function tenantAgents(store: WindowStore, tenantId: string): Promise<Record<'logged_out' | 'available' | 'on_call' | 'wrap_up' | 'away', number>> {
  const values = await store.redis.hgetall(tenantAgentsKey(store.namespace, tenantId));
  const agents = { logged_out: 0, available: 0, on_call: 0, wrap_up: 0, away: 0 };
  for (const value of Object.values(values)) {
    const agent = decodeAgentValue(value);
    if (agent) agents[agent.state] += 1;
  }
  return agents;
}

/**
 * One tenant-total window: the sum of the queues' counters (`addCounts`: sums, `maxWaitMs` the max)
 * plus the tenant-level counters, ratios from the sums, never averaged (decision 0010 §6).
 * `queueWindows` holds windows already read (by name, one per queue), so a tick reads no queue twice.
 */
export async function readTenantWindow(
  store: WindowStore,
  config: Pick<QueueConfig, 'resolve' | 'tenantSettings'>,
  tenantId: string,
  queueIds: readonly string[],
  window: WindowName | { from: number; to: number },
  atMs: number,
  nowMs: number,
  queueWindows?: ReadonlyMap<string, readonly WindowKpi[]>,
): Promise<WindowKpi> {
  const tenant = config.resolve(tenantId, TENANT_TOTAL_QUEUE);
  const name = typeof window === 'string' ? window : 'range';
  const range = typeof window === 'string' ? resolveWindow(window, atMs, tenant) : window;
  const subscribers = config.tenantSettings(tenantId).subscribers;
  const [reads, level] = await Promise.all([
    Promise.all(
      queueIds.map(async (queueId) => {
        const held = typeof window === 'string' ? queueWindows?.get(queueId)?.find((w) => w.name === window) : undefined;
        return held ? { counts: held.counts, from: Date.parse(held.from), to: Date.parse(held.to) } : store.readRange(tenantId, queueId, range.from, range.to, nowMs);
      }),
    ),
    store.readTenantLevelRange(tenantId, range.from, range.to, nowMs),
  ]);
  let counts = level.counts;
  let { from, to } = level;
  for (const read of reads) {
    counts = addCounts(counts, read.counts);
    // Every read widens the same range to whole buckets; the total covers the widest.
    from = Math.min(from, read.from);
    to = Math.max(to, read.to);
  }
  return windowKpi(name, from, to, counts, tenant.primarySl, subscribers);
}

/**
 * The tenant total at `atMs` (decision 0010 §6): every window summed over `queueIds` plus the
 * tenant-level counters; live: calls waiting summed over the queues, each agent counted once by its
 * state, complaints tenant-wide (queue-less ones included); `planning: null`; stats summed.
 * `primarySl`, `slThresholdMs`, `shortAbandonMs` and `slTarget` are the tenant's defaults.
 * `queueViews` holds the views of the same instant already read (the aggregator's tick): their
 * windows, waiting calls and stats are used instead of reading those queues again.
 */
export async function readTenantView(
  store: WindowStore,
  config: Pick<QueueConfig, 'resolve' | 'clock' | 'tenantSettings'>,
  tenantId: string,
  queueIds: readonly string[],
  atMs: number,
  options: { nowMs?: number; windows?: readonly WindowName[]; queueViews?: ReadonlyMap<string, Pick<QueueView, 'windows' | 'live' | 'stats'>>; months?: MonthCache } = {},
): Promise<TenantView> {
  const nowMs = options.nowMs ?? Date.now();
  const windows = options.windows ?? WINDOW_NAMES;
  const tenant = config.resolve(tenantId, TENANT_TOTAL_QUEUE);
  const held = options.queueViews;
  const queueWindows = held && new Map([...held].map(([queueId, view]) => [queueId, view.windows]));
  const [kpis, lives, stats, agents, complaints, monthToDate] = await Promise.all([
    Promise.all(windows.map((w) => readTenantWindow(store, config, tenantId, queueIds, w, atMs, nowMs, queueWindows))),
    Promise.all(queueIds.map((queueId) => held?.get(queueId)?.live ?? store.liveState(tenantId, queueId, nowMs))),
    Promise.all(queueIds.map((queueId) => held?.get(queueId)?.stats ?? store.queueStats(tenantId, queueId))),
    tenantAgents(store, tenantId),
    store.complaintState(tenantId, null, atMs),
    readMonthToDate(store, config, tenantId, null, atMs, options.months),
  ]);
  let callsWaiting = 0;
  let longestWaitingMs: number | null = null;
  for (const live of lives) {
    callsWaiting += live.callsWaiting;
    if (live.longestWaitingMs !== null) longestWaitingMs = Math.max(longestWaitingMs ?? 0, live.longestWaitingMs);
  }
  const busy = agents.on_call + agents.wrap_up;
  return {
    tenantId,
    queueId: null,
    at: new Date(atMs).toISOString(),
    primarySl: tenant.primarySl,
    slThresholdMs: tenant.slThresholdMs,
    shortAbandonMs: tenant.shortAbandonMs,
    slTarget: tenant.slTarget,
    windows: kpis,
    live: {
      callsWaiting,
      longestWaitingMs,
      agentsLoggedOut: agents.logged_out,
      agentsAvailable: agents.available,
      agentsOnCall: agents.on_call,
      agentsWrapUp: agents.wrap_up,
      agentsAway: agents.away,
      occupancy: busy + agents.available > 0 ? busy / (busy + agents.available) : null,
      ...complaints,
    },
    planning: null,
    stats: stats.reduce((a, b) => ({ anomalies: a.anomalies + b.anomalies, duplicates: a.duplicates + b.duplicates, late: a.late + b.late }), { anomalies: 0, duplicates: 0, late: 0 }),
    monthToDate,
  };
}

/**
 * The queues a tenant total sums for a read at `nowMs`: the tenant's configured queues and every one
 * with writes in the 8 days Redis keeps, sorted.
 */
export async function tenantQueueIds(store: WindowStore, config: Pick<QueueConfig, 'namedQueues'>, tenantId: string, nowMs: number): Promise<string[]> {
  const active = await store.activeQueues(nowMs - store.intervalRetentionMs);
  return [...new Set([...config.namedQueues(), ...active].filter((q) => q.tenantId === tenantId).map((q) => q.queueId))].sort();
}

/**
 * One row of `callboard query` and of the REST KPI routes: a window (or range) of a queue or of the
 * tenant total, with the view's live state, planning, stats and month to date (docs/cli.md).
 */
export function kpiRow(window: WindowKpi, view: KpiView): Record<string, unknown> {
  const { name, from, to, primarySlValue, ...rest } = window;
  return {
    tenantId: view.tenantId,
    queueId: view.queueId,
    window: name,
    from,
    to,
    ...rest,
    primarySl: view.primarySl,
    primarySlValue,
    live: view.live,
    planning: view.planning,
    stats: view.stats,
    ...(view.monthToDate ? { monthToDate: view.monthToDate } : {}),
  };
}
