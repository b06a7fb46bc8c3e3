import { CallboardError } from '@callboard/errors';
import { isCallEvent, occurredAtMs, type CanonicalEvent } from '@callboard/events';
import { contribution } from './classify.js';
import { addCounts, emptyCounts, type KpiCounts } from './counts.js';
import { resolveQueueKpiSettings, type QueueKpiSettings } from './queue-settings.js';
import { computeRatios, type KpiRatios } from './ratios.js';
import { applyToVisit, visitKey, type VisitState } from './visit-state.js';

/** Options of {@link computeOracle}. */
export interface OracleOptions {
  /** Inclusive lower bound on `occurredAt`, epoch ms; unbounded when absent. */
  from?: number;
  /** Exclusive upper bound on `occurredAt`, epoch ms; unbounded when absent. */
  to?: number;
  /** A queue's thresholds, asked once per queue; `DEFAULT_QUEUE_KPI_SETTINGS` for every queue when absent, and for missing fields. */
  settings?: (tenantId: string, queueId: string) => Partial<QueueKpiSettings>;
}

/** Every KPI of one queue over the oracle's range: the counters, the ratios derived from them, and the rejects. */
export interface QueueKpi extends KpiRatios {
  tenantId: string;
  queueId: string;
  counts: KpiCounts;
  /** Call events in range rejected as impossible transitions (DESIGN §5). Not part of `counts`, so not in `COUNT_FIELDS`. */
  anomalies: number;
  /** Call events in range dropped as duplicates, by `eventId` or by the visit state machine. */
  duplicates: number;
}

/** The result of {@link computeOracle}. */
export interface OracleResult {
  /** One entry per queue that has at least one call event in range, sorted by tenantId then queueId. */
  queues: QueueKpi[];
}

interface QueueAccumulator {
  tenantId: string;
  queueId: string;
  settings: QueueKpiSettings;
  counts: KpiCounts;
  anomalies: number;
  duplicates: number;
}

/**
 * Computes every KPI offline from an event list: the reference the live pipeline
 * must match exactly (DESIGN §5).
 *
 * 1. Events are sorted stably by `occurredAt` (ms), so list order only breaks ties.
 * 2. They are deduped by `eventId`, first wins; a dropped copy counts as a duplicate.
 * 3. The visit state machine (`applyToVisit`) runs over the whole list, whatever the
 *    range: a visit's state depends on events outside the range (an offer before
 *    `from` still makes an answer after it a valid one).
 * 4. Each applied call event whose own `occurredAt` is in `[from, to)` adds its
 *    `contribution` to its (tenant, queue) (DESIGN §3: an outcome counts in the
 *    window of its own time). Anomalies and duplicates are attributed the same way.
 *
 * Agent events take part in `eventId` dedupe but count for nothing. A queue is
 * listed when it has at least one call event in range, applied or not, so a queue
 * whose only events were anomalies still shows them.
 *
 * @param events - canonical events, in any order; not modified
 * @param options - range and per-queue settings
 * @throws CallboardError `CB_USAGE` for a bad range, `CB_INPUT_INVALID` for an unparsable `occurredAt`,
 *   `CB_QUEUE_CONFIG_INVALID` for bad settings
 */
export function computeOracle(events: readonly CanonicalEvent[], options: OracleOptions = {}): OracleResult {
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  if (Number.isNaN(from) || Number.isNaN(to) || from > to) {
    throw new CallboardError('CB_USAGE', 'the oracle range must satisfy from <= to', { from, to });
  }

  const times = events.map((event) => {
    const ms = occurredAtMs(event);
    if (Number.isNaN(ms)) {
      throw new CallboardError('CB_INPUT_INVALID', 'event occurredAt is not an instant', {
        eventId: event.eventId,
        occurredAt: event.occurredAt,
      });
    }
    return ms;
  });
  // Sorting indices keeps the sort stable on ties and the input untouched.
  const order = events.map((_, i) => i).sort((a, b) => (times[a] as number) - (times[b] as number));

  const seenEventIds = new Set<string>();
  const visits = new Map<string, VisitState>();
  const queues = new Map<string, QueueAccumulator>();

  const accumulatorFor = (tenantId: string, queueId: string): QueueAccumulator => {
    const key = JSON.stringify([tenantId, queueId]);
    let acc = queues.get(key);
    if (acc === undefined) {
      const settings = resolveQueueKpiSettings(options.settings?.(tenantId, queueId));
      acc = { tenantId, queueId, settings, counts: emptyCounts(), anomalies: 0, duplicates: 0 };
      queues.set(key, acc);
    }
    return acc;
  };

  for (const index of order) {
    const event = events[index] as CanonicalEvent;
    const ms = times[index] as number;
    const firstSeen = !seenEventIds.has(event.eventId);
    seenEventIds.add(event.eventId);
    if (!isCallEvent(event)) continue;

    const acc = ms >= from && ms < to ? accumulatorFor(event.tenantId, event.queueId) : undefined;
    if (!firstSeen) {
      if (acc !== undefined) acc.duplicates += 1;
      continue;
    }

    const key = visitKey(event);
    const { state, verdict } = applyToVisit(visits.get(key) ?? {}, event);
    visits.set(key, state);
    if (acc === undefined) continue;
    if (verdict === 'applied') acc.counts = addCounts(acc.counts, contribution(event, acc.settings));
    else if (verdict === 'anomaly') acc.anomalies += 1;
    else acc.duplicates += 1;
  }

  const result = [...queues.values()]
    .sort((a, b) => compareStrings(a.tenantId, b.tenantId) || compareStrings(a.queueId, b.queueId))
    .map(
      (acc): QueueKpi => ({
        tenantId: acc.tenantId,
        queueId: acc.queueId,
        counts: acc.counts,
        ...computeRatios(acc.counts),
        anomalies: acc.anomalies,
        duplicates: acc.duplicates,
      }),
    );
  return { queues: result };
}

/** Code-unit order, not locale order, so the output is the same on every machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
