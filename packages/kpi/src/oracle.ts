import { CallboardError } from '@callboard/errors';
import { isCallEvent, occurredAtMs, type CallEvent, type CanonicalEvent } from '@callboard/events';
import { contribution } from './classify.js';
import { addCounts, emptyCounts, type KpiCounts } from './counts.js';
import { resolveQueueKpiSettings, type QueueKpiSettings } from './queue-settings.js';
import { computeRatios, type KpiRatios } from './ratios.js';
import { resolveVisit, visitKey, type TimedCallEvent } from './visit-state.js';

/** Options of {@link computeOracle}. */
export interface OracleOptions {
  /** Inclusive lower bound on `occurredAt`, epoch ms; unbounded when absent. */
  from?: number;
  /** Exclusive upper bound on `occurredAt`, epoch ms; unbounded when absent. */
  to?: number;
  /** A queue's thresholds, asked once per queue; `DEFAULT_QUEUE_KPI_SETTINGS` for every queue when absent, and for missing fields. */
  settings?: (tenantId: string, queueId: string) => Partial<QueueKpiSettings>;
  /**
   * Deliveries the live store holds back as late ({@link splitLate} says which): counted per queue
   * in `late`, never applied. The oracle has no delivery order, so it cannot tell lateness itself;
   * leave them out of `events` and pass them here.
   */
  late?: readonly CanonicalEvent[];
}

/** Every KPI of one queue over the oracle's range: the counters, the ratios derived from them, and the rejects. */
export interface QueueKpi extends KpiRatios {
  tenantId: string;
  queueId: string;
  counts: KpiCounts;
  /** Call events in range rejected as impossible transitions (DESIGN §5). Not part of `counts`, so not in `COUNT_FIELDS`. */
  anomalies: number;
  /** Call events in range dropped as duplicates: a repeated `eventId` within the visit, or a second report of a fact the visit has. */
  duplicates: number;
  /** Call events in range of `options.late`. */
  late: number;
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
  late: number;
}

/**
 * Computes every KPI offline from an event list: the reference the live pipeline
 * must match exactly (DESIGN §5, docs/decisions/0006-invalid-visits.md).
 *
 * 1. Call events are grouped by visit (`visitKey`). Within a visit, an `eventId` seen
 *    before is a repeated copy: it counts as a duplicate and nothing else (copies of one
 *    event are the same event; the first in list order is kept).
 * 2. Each visit is judged by `resolveVisit`: the state machine over its distinct events
 *    in (`occurredAt`, `eventId`) order, whatever the range (an offer before `from` still
 *    makes an answer after it a valid one). List order plays no part.
 * 3. Each applied call event whose own `occurredAt` is in `[from, to)` adds its
 *    `contribution` to its (tenant, queue) (DESIGN §3: an outcome counts in the
 *    window of its own time). Anomalies and duplicates are attributed the same way.
 * 4. `maxWaitMs` is the largest `waitMs` of any distinct outcome event, whatever its
 *    verdict: a caller did wait that long, and a max cannot be taken back when a later
 *    event changes a verdict (decision 0006).
 *
 * Agent events count for nothing. A queue is listed when it has at least one call event
 * in range, applied, rejected or late, so a queue whose only events were anomalies still
 * shows them.
 *
 * @param events - canonical events, in any order; not modified
 * @param options - range, per-queue settings and the late deliveries
 * @throws CallboardError `CB_USAGE` for a bad range, `CB_INPUT_INVALID` for an unparsable `occurredAt`,
 *   `CB_QUEUE_CONFIG_INVALID` for bad settings
 */
export function computeOracle(events: readonly CanonicalEvent[], options: OracleOptions = {}): OracleResult {
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  if (Number.isNaN(from) || Number.isNaN(to) || from > to) {
    throw new CallboardError('CB_USAGE', 'the oracle range must satisfy from <= to', { from, to });
  }

  const queues = new Map<string, QueueAccumulator>();
  const accumulatorIn = (event: CallEvent, ms: number): QueueAccumulator | undefined => {
    if (!(ms >= from && ms < to)) return undefined;
    const key = JSON.stringify([event.tenantId, event.queueId]);
    let acc = queues.get(key);
    if (acc === undefined) {
      const settings = resolveQueueKpiSettings(options.settings?.(event.tenantId, event.queueId));
      acc = { tenantId: event.tenantId, queueId: event.queueId, settings, counts: emptyCounts(), anomalies: 0, duplicates: 0, late: 0 };
      queues.set(key, acc);
    }
    return acc;
  };

  const visits = new Map<string, { ids: Set<string>; distinct: TimedCallEvent[] }>();
  for (const event of events) {
    const ms = timeOf(event);
    if (!isCallEvent(event)) continue;
    const key = visitKey(event);
    let visit = visits.get(key);
    if (visit === undefined) {
      visit = { ids: new Set(), distinct: [] };
      visits.set(key, visit);
    }
    if (visit.ids.has(event.eventId)) {
      const acc = accumulatorIn(event, ms);
      if (acc !== undefined) acc.duplicates += 1;
      continue;
    }
    visit.ids.add(event.eventId);
    visit.distinct.push({ event, ms });
  }

  for (const { distinct } of visits.values()) {
    const { verdicts } = resolveVisit(distinct);
    distinct.forEach(({ event, ms }, i) => {
      const acc = accumulatorIn(event, ms);
      if (acc === undefined) return;
      const verdict = verdicts[i];
      if (verdict === 'applied') acc.counts = addCounts(acc.counts, contribution(event, acc.settings));
      else if (verdict === 'anomaly') acc.anomalies += 1;
      else acc.duplicates += 1;
      if (event.type !== 'call.offered' && event.type !== 'call.completed') {
        acc.counts.maxWaitMs = Math.max(acc.counts.maxWaitMs, event.waitMs);
      }
    });
  }

  for (const event of options.late ?? []) {
    const ms = timeOf(event);
    if (!isCallEvent(event)) continue;
    const acc = accumulatorIn(event, ms);
    if (acc !== undefined) acc.late += 1;
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
        late: acc.late,
      }),
    );
  return { queues: result };
}

function timeOf(event: CanonicalEvent): number {
  const ms = occurredAtMs(event);
  if (Number.isNaN(ms)) {
    throw new CallboardError('CB_INPUT_INVALID', 'event occurredAt is not an instant', {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
    });
  }
  return ms;
}

/** Code-unit order, not locale order, so the output is the same on every machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
