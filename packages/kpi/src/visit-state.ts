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
 * Nothing requires an earlier step to be present (an answer may come before its
 * offer, a completion before its answer, since clocks disagree). Fed in arrival order,
 * the first of two conflicting events would win, and that depends on delivery order; so
 * both the oracle and the live store feed it a visit's distinct events in
 * {@link compareVisitEvents} order, through {@link resolveVisit}
 * (docs/decisions/0006-invalid-visits.md).
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

/**
 * Code-point order of two strings, which is also the byte order of their UTF-8 forms: the order
 * the Lua store compares eventIds in. JavaScript's `<` compares UTF-16 code units, which puts
 * U+E000..U+FFFF after the astral planes; this does not.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (D800..DFFF) encode code points above FFFF: they sort after every other unit.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** A call event with its `occurredAt` already in epoch ms. */
export interface TimedCallEvent {
  event: CallEvent;
  ms: number;
}

/**
 * The order a visit's events are judged in: `occurredAt`, then `eventId` in code-point order.
 * Both are properties of the events, not of their delivery, so the verdicts do not depend on it.
 */
export function compareVisitEvents(a: TimedCallEvent, b: TimedCallEvent): number {
  return a.ms - b.ms || compareCodePoints(a.event.eventId, b.event.eventId);
}

/** The result of {@link resolveVisit}. */
export interface ResolvedVisit {
  /** One verdict per input event, in input order. */
  verdicts: VisitVerdict[];
  /** The state after every event. */
  state: VisitState;
  /**
   * Since when (epoch ms, the applied offer's `occurredAt`) the call waits in the queue: set when
   * an offer is applied and neither an outcome nor a completion is (a completed call was answered,
   * whether or not its answer arrived). The live `callsWaiting` follows this rule.
   */
  waitingSinceMs: number | undefined;
}

/**
 * Judges one visit (decision 0006): {@link applyToVisit} run over the visit's distinct events in
 * {@link compareVisitEvents} order. The result is a function of the set of events alone, so the
 * oracle and the live store, which re-judges a visit whenever an event joins it, agree under any
 * delivery order.
 *
 * @param events - the visit's events, each `eventId` once (callers drop repeated copies first)
 */
export function resolveVisit(events: readonly TimedCallEvent[]): ResolvedVisit {
  const order = events.map((_, i) => i).sort((a, b) => compareVisitEvents(events[a] as TimedCallEvent, events[b] as TimedCallEvent));
  const verdicts: VisitVerdict[] = new Array<VisitVerdict>(events.length);
  let state: VisitState = {};
  let offeredAt: number | undefined;
  for (const i of order) {
    const { event, ms } = events[i] as TimedCallEvent;
    const next = applyToVisit(state, event);
    state = next.state;
    verdicts[i] = next.verdict;
    if (next.verdict === 'applied' && event.type === 'call.offered') offeredAt = ms;
  }
  const waiting = state.offered !== undefined && state.outcome === undefined && state.completed === undefined;
  return { verdicts, state, waitingSinceMs: waiting ? offeredAt : undefined };
}
