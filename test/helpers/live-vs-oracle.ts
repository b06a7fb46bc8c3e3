import { type CanonicalEvent, isCallEvent, occurredAtMs } from '@callboard/events';
import { computeOracle, computeRatios, emptyCounts, type KpiRatios, slValue } from '@callboard/kpi';
import type { ResolvedQueue } from '@callboard/queue-config';
import { readQueueView, readWindow, resolveWindow, WINDOW_NAMES, type WindowKpi, type WindowStore } from '@callboard/windows';
import { expectedLiveState, type LiveView } from './expected-live-state.js';
import { queueConfig } from './pipeline.js';

const FINE_MS = 10_000;
const RATIO_KEYS = ['sl', 'answerRate', 'abandonRate', 'asaMs', 'avgAbandonWaitMs', 'ahtMs', 'avgTalkMs', 'transferRate', 'fcrRate'] as const satisfies readonly (keyof KpiRatios)[];

export interface Mismatch {
  queue: string;
  /** What disagrees: a window's counters, its ratios, the live state or the anomaly/duplicate/late stats. */
  what: 'counts' | 'ratios' | 'live' | 'stats';
  window?: string;
  from?: string;
  to?: string;
  live: unknown;
  oracle: unknown;
}

export interface OracleComparison {
  mismatches: Mismatch[];
  /** How many windows were compared (queues × (named windows + the range)). */
  compared: number;
  /** `queue window` of every compared window the live store showed no offered call in. */
  emptyWindows: string[];
  /** The live state expected per queue, as compared. */
  expectedLive: Map<string, LiveView>;
}

export interface CompareOptions {
  /** The read instant for the named windows (`at`). */
  atMs: number;
  /** The wall clock for retention and the live state; default now. */
  nowMs?: number;
  /** A `[from, to)` range compared beside the named windows. */
  range: { from: number; to: number };
  /** Deliveries the store held back as late (`splitLate` says which): left out of the counts, counted in the stats. */
  late?: readonly CanonicalEvent[];
}

/** `tenant/queue` of every queue a call event names, sorted. */
function callQueues(events: readonly CanonicalEvent[]): string[] {
  return [...new Set(events.filter(isCallEvent).map((e) => `${e.tenantId}/${e.queueId}`))].sort();
}

function resolve(key: string): ResolvedQueue {
  const [tenantId, queueId] = key.split('/') as [string, string];
  return queueConfig.resolve(tenantId, queueId);
}

function ratiosOf(k: KpiRatios): Pick<KpiRatios, (typeof RATIO_KEYS)[number]> {
  return Object.fromEntries(RATIO_KEYS.map((name) => [name, k[name]])) as Pick<KpiRatios, (typeof RATIO_KEYS)[number]>;
}

/**
 * Holds the live store to the oracle (DESIGN §5) for every queue the events name: every named
 * window at `atMs` and the range, counters and every ratio; the live state at `nowMs`
 * ({@link expectedLiveState}); and the duplicate, anomaly and late stats. The expected values come
 * from `delivered`, the events exactly as the pipeline received them (duplicates and reordering
 * included, corrupt records left out since they go to the DLQ, late ones in `options.late`), so the
 * oracle sees what the store saw.
 */
export async function compareWithOracle(store: WindowStore, delivered: readonly CanonicalEvent[], options: CompareOptions): Promise<OracleComparison> {
  const nowMs = options.nowMs ?? Date.now();
  const late = options.late ?? [];
  const settings = (t: string, q: string) => queueConfig.resolve(t, q);
  const whole = computeOracle(delivered, { settings, late }).queues;
  const expectedLive = expectedLiveState(delivered, nowMs, store.maxWaitingAgeMs);
  const mismatches: Mismatch[] = [];
  const emptyWindows: string[] = [];
  let compared = 0;
  for (const key of callQueues([...delivered, ...late])) {
    const queue = resolve(key);
    const view = await readQueueView(store, queue, options.atMs, { nowMs });
    const windows: WindowKpi[] = [...view.windows, await readWindow(store, queue, options.range, options.atMs, nowMs)];
    for (const w of windows) {
      const from = Date.parse(w.from);
      const to = Date.parse(w.to);
      const oracle = computeOracle(delivered, { from, to, settings, late }).queues.find((q) => `${q.tenantId}/${q.queueId}` === key);
      const counts = oracle?.counts ?? emptyCounts();
      const ratios = oracle ?? computeRatios(counts);
      compared += 1;
      if (w.counts.offered === 0) emptyWindows.push(`${key} ${w.name}`);
      const at = { queue: key, window: w.name, from: w.from, to: w.to };
      if (JSON.stringify(w.counts) !== JSON.stringify(counts)) mismatches.push({ ...at, what: 'counts', live: w.counts, oracle: counts });
      const liveRatios = { ...ratiosOf(w), primarySlValue: w.primarySlValue };
      const oracleRatios = { ...ratiosOf(ratios), primarySlValue: slValue(ratios, queue.primarySl) };
      if (JSON.stringify(liveRatios) !== JSON.stringify(oracleRatios)) mismatches.push({ ...at, what: 'ratios', live: liveRatios, oracle: oracleRatios });
    }
    if (JSON.stringify(view.live) !== JSON.stringify(expectedLive.get(key))) mismatches.push({ queue: key, what: 'live', live: view.live, oracle: expectedLive.get(key) });
    const q = whole.find((x) => `${x.tenantId}/${x.queueId}` === key);
    const expectedStats = { anomalies: q?.anomalies ?? 0, duplicates: q?.duplicates ?? 0, late: q?.late ?? 0 };
    if (JSON.stringify(view.stats) !== JSON.stringify(expectedStats)) mismatches.push({ queue: key, what: 'stats', live: view.stats, oracle: expectedStats });
  }
  return { mismatches, compared, emptyWindows, expectedLive };
}

/**
 * The latest read instant at or before `latestMs`, on a 10 s bucket edge, at which every named
 * window of every queue the events name holds at least one offered call; so a comparison at it cannot
 * pass on empty windows. Throws when none lies within `searchMs` before `latestMs`.
 */
export function readInstantWithTraffic(events: readonly CanonicalEvent[], latestMs: number, searchMs = 30 * 60_000): number {
  const offers = new Map<string, number[]>();
  for (const e of events) {
    if (e.type !== 'call.offered') continue;
    const key = `${e.tenantId}/${e.queueId}`;
    const times = offers.get(key) ?? [];
    times.push(occurredAtMs(e));
    offers.set(key, times);
  }
  const queues = callQueues(events).map((key) => ({ queue: resolve(key), times: offers.get(key) ?? [] }));
  for (let at = Math.floor(latestMs / FINE_MS) * FINE_MS; at >= latestMs - searchMs; at -= FINE_MS) {
    const full = queues.every(({ queue, times }) =>
      WINDOW_NAMES.every((name) => {
        const { from, to } = resolveWindow(name, at, queue);
        return times.some((t) => t >= from && t < to);
      }),
    );
    if (full) return at;
  }
  throw new Error(`no instant within ${searchMs} ms before ${new Date(latestMs).toISOString()} has traffic in every window of every queue`);
}
