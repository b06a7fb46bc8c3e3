import { isCallEvent, occurredAtMs, type CanonicalEvent } from '@callboard/events';
import { visitKey } from './visit-state.js';

/** Options of {@link splitLate}. */
export interface SplitLateOptions {
  /** Lateness allowed behind the partition watermark (DESIGN §4), the store's `graceMs`. */
  graceMs: number;
  /** Each partition's watermark before the first delivery; default 0 (a fresh partition). */
  initialWatermarkMs?: number;
}

/** The result of {@link splitLate}: every delivery, in partition order, in one of the two lists. */
export interface LateSplit {
  /** Deliveries the store judges (applies, or counts as duplicates or anomalies). */
  onTime: CanonicalEvent[];
  /** Deliveries the store holds back for `cc.late.v1` and counts as `late`. */
  late: CanonicalEvent[];
}

/**
 * Says which deliveries the live store treats as late, so a test can give the oracle the same
 * exclusion (`computeOracle(onTime, { late })`). Lateness depends on delivery order, which the
 * oracle does not have; this replays the store's rule (`apply-queue.lua`, `apply-agents-3.lua`)
 * per partition:
 *
 * 1. A call event whose `eventId` the visit already holds is a duplicate, never late: visit state
 *    outlives grace, so a late copy of an applied event is recognised as what it is.
 * 2. Otherwise an event older than the watermark minus grace is late: not applied, not remembered.
 * 3. The watermark before an offset is the highest `occurredAt` of the partition's earlier
 *    deliveries, whatever their queue and verdict (a late event is below it, so "of the deliveries
 *    not late" is the same number). The store computes it in the caller, before the batch is split
 *    into one call per queue, and replays after a crash from an offset whose watermark it stored
 *    (docs/decisions/0007-one-slot-per-call.md), so each offset is judged against this number once.
 *
 * Assumptions, all true of the pipeline: a visit's events share one partition (call events are
 * keyed by callId); no visit state expires meanwhile (visits live 2 × grace + 1 h from their last
 * write); redelivered offsets are not listed (the store skips them before any of this); events
 * beyond the allowed clock skew were already sent to the DLQ.
 *
 * @param partitions - each partition's deliveries, in offset order
 */
export function splitLate(partitions: readonly (readonly CanonicalEvent[])[], options: SplitLateOptions): LateSplit {
  const split: LateSplit = { onTime: [], late: [] };
  for (const deliveries of partitions) {
    let watermark = options.initialWatermarkMs ?? 0;
    const held = new Set<string>();
    for (const event of deliveries) {
      const ms = occurredAtMs(event);
      const id = isCallEvent(event) ? JSON.stringify([visitKey(event), event.eventId]) : undefined;
      if (!(id !== undefined && held.has(id)) && ms < watermark - options.graceMs) {
        split.late.push(event);
        continue;
      }
      split.onTime.push(event);
      if (id !== undefined) held.add(id);
      if (ms > watermark) watermark = ms;
    }
  }
  return split;
}
