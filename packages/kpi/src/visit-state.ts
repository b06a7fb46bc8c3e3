import type { CallEvent } from '@callboard/events';

/** The event types that end a visit's wait: exactly one of them may be applied per visit. */
export type OutcomeType = 'call.answered' | 'call.abandoned' | 'call.flowed_out';

/**
 * What is known about one visit: one call's stay in one queue, identified by
 * (tenantId, callId, queueId). A call that flows out of queue A and is offered to
 * queue B is two visits (DESIGN §5). Each slot holds the `eventId` of the event
 * that was applied for it; an empty object is a visit nothing is known about.
 */
export interface VisitState {
  /** The applied `call.offered`. */
  offered?: string;
  /** The applied answer, abandon or flow-out. */
  outcome?: { type: OutcomeType; eventId: string };
  /** The applied `call.completed`. */
  completed?: string;
}

/**
 * - `applied`: the event's contribution is counted and the state changes;
 * - `duplicate`: the visit already has this fact; nothing is counted;
 * - `anomaly`: an impossible transition (DESIGN §5); nothing is counted, the queue's anomaly count goes up.
 */
export type VisitVerdict = 'applied' | 'duplicate' | 'anomaly';

/** The result of {@link applyToVisit}. */
export interface VisitTransition {
  /** The new state; the same object as the input when the verdict is not `applied`. */
  state: VisitState;
  verdict: VisitVerdict;
}

/**
 * The per-visit state machine (DESIGN §5): offered → (answered → completed) | abandoned | flowed_out.
 * The oracle runs it, and the Redis Lua script replicates it rule for rule.
 *
 * Callers dedupe by `eventId` first: an `eventId` seen before (applied or not) is a
 * `duplicate` and never reaches these rules. For the oracle and the live store to
 * agree on the anomaly and duplicate counts, that dedupe must also cover events
 * that were not applied. Rule 0 below only makes redelivery of an applied event
 * harmless on its own.
 *
 * Rules, checked in this order for event `e` against state `s`:
 *
 * 0. `e.eventId` equals `s.offered`, `s.outcome.eventId` or `s.completed` → `duplicate`.
 * 1. `call.offered`:
 *    - `s.offered` set → `duplicate`;
 *    - otherwise → `applied`, `s.offered = e.eventId`.
 * 2. `call.answered` | `call.abandoned` | `call.flowed_out` (an outcome):
 *    - `s.outcome` set with the same type → `duplicate`;
 *    - `s.outcome` set with another type → `anomaly`;
 *    - `s.completed` set and `e` is not `call.answered` → `anomaly`
 *      (a completed call was answered, so it cannot have been abandoned or flowed out);
 *    - otherwise → `applied`, `s.outcome = { type, eventId }`.
 * 3. `call.completed`:
 *    - `s.completed` set → `duplicate`;
 *    - `s.outcome.type` is `call.abandoned` or `call.flowed_out` → `anomaly`;
 *    - otherwise → `applied`, `s.completed = e.eventId`.
 *
 * Order independence: nothing requires an earlier step to be present (an answer
 * may come before its offer, a completion before its answer, since Kafka input is
 * reordered within grace). For a valid visit (at most one event per slot, and a
 * completion only with an answer or no outcome) every event is `applied` whatever
 * the arrival order, so the counters do not depend on it. For an invalid visit
 * (two conflicting outcomes, or a completion and an abandon) the first to arrive
 * wins and the rest are anomalies; that choice does depend on order.
 *
 * @param state - the visit's state; not modified
 * @param event - a call event of this visit
 */
export function applyToVisit(state: VisitState, event: CallEvent): VisitTransition {
  const { eventId } = event;
  if (eventId === state.offered || eventId === state.outcome?.eventId || eventId === state.completed) {
    return { state, verdict: 'duplicate' };
  }
  switch (event.type) {
    case 'call.offered':
      if (state.offered !== undefined) return { state, verdict: 'duplicate' };
      return { state: { ...state, offered: eventId }, verdict: 'applied' };
    case 'call.answered':
    case 'call.abandoned':
    case 'call.flowed_out':
      if (state.outcome !== undefined) {
        return { state, verdict: state.outcome.type === event.type ? 'duplicate' : 'anomaly' };
      }
      if (state.completed !== undefined && event.type !== 'call.answered') return { state, verdict: 'anomaly' };
      return { state: { ...state, outcome: { type: event.type, eventId } }, verdict: 'applied' };
    case 'call.completed':
      if (state.completed !== undefined) return { state, verdict: 'duplicate' };
      if (state.outcome !== undefined && state.outcome.type !== 'call.answered') return { state, verdict: 'anomaly' };
      return { state: { ...state, completed: eventId }, verdict: 'applied' };
  }
}

/**
 * The key that identifies a visit in memory. JSON-encoded rather than joined with
 * a separator, so two visits never share a key even for events that skipped
 * validation (callId may contain any character).
 */
export function visitKey(event: Pick<CallEvent, 'tenantId' | 'queueId' | 'callId'>): string {
  return JSON.stringify([event.tenantId, event.queueId, event.callId]);
}
