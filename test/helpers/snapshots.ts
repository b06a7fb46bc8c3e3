import { COUNT_FIELDS, emptyCounts, planQueue, type KpiCounts } from '@callboard/kpi';
import { type QueueView, WINDOW_NAMES, windowKpi } from '@callboard/windows';

/**
 * A KPI snapshot as the aggregator publishes it, with the same counters in every window: the
 * alerter sees what a queue with this service level and volume would show.
 */
export function snapshot(tenantId: string, queueId: string, at: number, opts: { answered: number; withinSl: number; abandoned?: number; callsWaiting?: number }): QueueView {
  const counts: KpiCounts = { ...emptyCounts(), offered: opts.answered + (opts.abandoned ?? 0), answered: opts.answered, answeredWithinSl: opts.withinSl, abandoned: opts.abandoned ?? 0 };
  for (const f of COUNT_FIELDS) counts[f] = counts[f] ?? 0;
  return {
    tenantId,
    queueId,
    at: new Date(at).toISOString(),
    primarySl: 'sl.negativeAbandon',
    slThresholdMs: 20_000,
    shortAbandonMs: 5_000,
    slTarget: 0.8,
    windows: WINDOW_NAMES.map((name) => windowKpi(name, at - 15 * 60_000, at, counts, 'sl.negativeAbandon')),
    live: { callsWaiting: opts.callsWaiting ?? 0, longestWaitingMs: null, agentsLoggedOut: 0, agentsAvailable: 5, agentsOnCall: 5, agentsWrapUp: 0, agentsAway: 0, occupancy: 0.5 },
    planning: planQueue({ offered: counts.offered, intervalMs: 15 * 60_000, ahtMs: null, agentsStaffed: 10, slThresholdMs: 20_000, slTarget: 0.8 }),
    stats: { anomalies: 0, duplicates: 0, late: 0 },
  };
}
