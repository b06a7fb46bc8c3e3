import type { CallEvent } from '@callboard/events';
import { describe, expect, it } from 'vitest';
import { applyToVisit, visitKey, type VisitState, type VisitVerdict } from '../src/index.js';
import { abandoned, answered, completed, flowedOut, offered } from './helpers/events.js';
import { permutations } from './helpers/prng.js';

const H = { talkMs: 60_000, holdMs: 0, wrapMs: 10_000 };

/** Runs events through the state machine in the given order. */
function run(events: CallEvent[], start: VisitState = {}): { state: VisitState; verdicts: VisitVerdict[] } {
  let state = start;
  const verdicts: VisitVerdict[] = [];
  for (const event of events) {
    const next = applyToVisit(state, event);
    state = next.state;
    verdicts.push(next.verdict);
  }
  return { state, verdicts };
}

describe('applyToVisit: offered', () => {
  it('applies the first offer and records its eventId', () => {
    expect(applyToVisit({}, offered('c', 0, { eventId: 'o1' }))).toEqual({ state: { offered: 'o1' }, verdict: 'applied' });
  });

  it('calls a second offer, even with a new eventId, a duplicate and keeps the first', () => {
    const result = applyToVisit({ offered: 'o1' }, offered('c', 5, { eventId: 'o2' }));
    expect(result).toEqual({ state: { offered: 'o1' }, verdict: 'duplicate' });
  });
});

describe('applyToVisit: outcomes', () => {
  it.each([
    ['answered', answered('c', 0, 1000, { eventId: 'x' })],
    ['abandoned', abandoned('c', 0, 1000, { eventId: 'x' })],
    ['flowed_out', flowedOut('c', 0, 1000, { eventId: 'x' })],
  ] as const)('applies a first %s, with or without an offer', (_name, event) => {
    expect(applyToVisit({}, event)).toEqual({ state: { outcome: { type: event.type, eventId: 'x' } }, verdict: 'applied' });
    expect(applyToVisit({ offered: 'o' }, event)).toEqual({
      state: { offered: 'o', outcome: { type: event.type, eventId: 'x' } },
      verdict: 'applied',
    });
  });

  it('calls a second outcome of the same type a duplicate', () => {
    const state: VisitState = { offered: 'o', outcome: { type: 'call.answered', eventId: 'a1' } };
    expect(applyToVisit(state, answered('c', 9, 3000, { eventId: 'a2' }))).toEqual({ state, verdict: 'duplicate' });
    const ab: VisitState = { outcome: { type: 'call.abandoned', eventId: 'b1' } };
    expect(applyToVisit(ab, abandoned('c', 9, 3000, { eventId: 'b2' })).verdict).toBe('duplicate');
    const fo: VisitState = { outcome: { type: 'call.flowed_out', eventId: 'f1' } };
    expect(applyToVisit(fo, flowedOut('c', 9, 3000, { eventId: 'f2' })).verdict).toBe('duplicate');
  });

  it('calls an outcome of another type an anomaly (an answer after an abandon, say)', () => {
    const ab: VisitState = { offered: 'o', outcome: { type: 'call.abandoned', eventId: 'b1' } };
    expect(applyToVisit(ab, answered('c', 9, 3000))).toEqual({ state: ab, verdict: 'anomaly' });
    expect(applyToVisit(ab, flowedOut('c', 9, 3000)).verdict).toBe('anomaly');
    const an: VisitState = { outcome: { type: 'call.answered', eventId: 'a1' } };
    expect(applyToVisit(an, abandoned('c', 9, 3000)).verdict).toBe('anomaly');
    expect(applyToVisit(an, flowedOut('c', 9, 3000)).verdict).toBe('anomaly');
  });

  it('applies an answer after its completion, but calls an abandon or flow-out after a completion an anomaly', () => {
    const done: VisitState = { completed: 'k1' };
    expect(applyToVisit(done, answered('c', 0, 1000, { eventId: 'a1' }))).toEqual({
      state: { completed: 'k1', outcome: { type: 'call.answered', eventId: 'a1' } },
      verdict: 'applied',
    });
    expect(applyToVisit(done, abandoned('c', 0, 1000))).toEqual({ state: done, verdict: 'anomaly' });
    expect(applyToVisit(done, flowedOut('c', 0, 1000))).toEqual({ state: done, verdict: 'anomaly' });
  });
});

describe('applyToVisit: completed', () => {
  it('applies a first completion with no outcome yet or after an answer', () => {
    expect(applyToVisit({}, completed('c', 0, H, { eventId: 'k1' }))).toEqual({ state: { completed: 'k1' }, verdict: 'applied' });
    const an: VisitState = { outcome: { type: 'call.answered', eventId: 'a1' } };
    expect(applyToVisit(an, completed('c', 0, H, { eventId: 'k1' }))).toEqual({ state: { ...an, completed: 'k1' }, verdict: 'applied' });
  });

  it('calls a completion after an abandon or a flow-out an anomaly', () => {
    const ab: VisitState = { outcome: { type: 'call.abandoned', eventId: 'b1' } };
    expect(applyToVisit(ab, completed('c', 0, H))).toEqual({ state: ab, verdict: 'anomaly' });
    const fo: VisitState = { outcome: { type: 'call.flowed_out', eventId: 'f1' } };
    expect(applyToVisit(fo, completed('c', 0, H))).toEqual({ state: fo, verdict: 'anomaly' });
  });

  it('calls a second completion a duplicate', () => {
    const state: VisitState = { completed: 'k1' };
    expect(applyToVisit(state, completed('c', 0, H, { eventId: 'k2' }))).toEqual({ state, verdict: 'duplicate' });
  });
});

describe('applyToVisit: redelivery and purity', () => {
  it('calls an event whose eventId was applied a duplicate, whatever its type', () => {
    const state: VisitState = { offered: 'o1', outcome: { type: 'call.answered', eventId: 'a1' }, completed: 'k1' };
    expect(applyToVisit(state, offered('c', 0, { eventId: 'o1' })).verdict).toBe('duplicate');
    expect(applyToVisit(state, answered('c', 0, 10, { eventId: 'a1' })).verdict).toBe('duplicate');
    expect(applyToVisit(state, completed('c', 0, H, { eventId: 'k1' })).verdict).toBe('duplicate');
    // Same eventId as the applied answer but an abandon: still the same event seen again, not an anomaly.
    expect(applyToVisit(state, abandoned('c', 0, 10, { eventId: 'a1' })).verdict).toBe('duplicate');
  });

  it('never modifies the state it is given', () => {
    const state = Object.freeze({ offered: 'o1' }) as VisitState;
    const next = applyToVisit(state, answered('c', 0, 10, { eventId: 'a1' }));
    expect(state).toEqual({ offered: 'o1' });
    expect(next.state).not.toBe(state);
  });
});

describe('applyToVisit: order independence for valid visits', () => {
  const valid: Array<[string, CallEvent[]]> = [
    ['offered, answered, completed', [offered('c', 0), answered('c', 5, 5000), completed('c', 70, H)]],
    ['offered, abandoned', [offered('c', 0), abandoned('c', 8, 8000)]],
    ['offered, flowed_out', [offered('c', 0), flowedOut('c', 60, 60_000)]],
    ['offered, answered', [offered('c', 0), answered('c', 5, 5000)]],
    ['answered, completed (offer lost)', [answered('c', 5, 5000), completed('c', 70, H)]],
  ];

  it.each(valid)('%s: every order applies every event and ends in the same state', (_name, events) => {
    const reference = run(events).state;
    for (const order of permutations(events)) {
      const { state, verdicts } = run(order);
      expect(verdicts).toEqual(order.map(() => 'applied'));
      expect(state).toEqual(reference);
    }
  });

  it('every order of a valid visit plus redelivered copies applies each event once', () => {
    const events = [offered('c', 0), answered('c', 5, 5000), completed('c', 70, H)];
    const withCopies = [...events, ...events];
    for (const order of permutations(withCopies)) {
      const { verdicts } = run(order);
      expect(verdicts.filter((v) => v === 'applied')).toHaveLength(3);
      expect(verdicts.filter((v) => v === 'duplicate')).toHaveLength(3);
    }
  });

  it('for an invalid visit the first outcome wins and the other is an anomaly, in either order', () => {
    const ans = answered('c', 5, 5000, { eventId: 'a' });
    const ab = abandoned('c', 6, 6000, { eventId: 'b' });
    expect(run([ans, ab])).toEqual({ state: { outcome: { type: 'call.answered', eventId: 'a' } }, verdicts: ['applied', 'anomaly'] });
    expect(run([ab, ans])).toEqual({ state: { outcome: { type: 'call.abandoned', eventId: 'b' } }, verdicts: ['applied', 'anomaly'] });
    const done = completed('c', 70, H, { eventId: 'k' });
    expect(run([done, ab]).verdicts).toEqual(['applied', 'anomaly']);
    expect(run([ab, done]).verdicts).toEqual(['applied', 'anomaly']);
  });
});

describe('visitKey', () => {
  it('separates tenant, queue and call (a call in two queues is two visits), whatever characters they hold', () => {
    const a = visitKey({ tenantId: 't1', queueId: 'qA', callId: 'c1' });
    const b = visitKey({ tenantId: 't1', queueId: 'qB', callId: 'c1' });
    expect(a).not.toBe(b);
    expect(visitKey({ tenantId: 't1', queueId: 'q', callId: 'x|y' })).not.toBe(visitKey({ tenantId: 't1', queueId: 'q|x', callId: 'y' }));
  });
});
