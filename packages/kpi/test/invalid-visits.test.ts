import type { CallEvent, CanonicalEvent } from '@callboard/events';
import { describe, expect, it } from 'vitest';
import { compareCodePoints, computeOracle, emptyCounts, resolveVisit, type QueueKpi } from '../src/index.js';
import { abandoned, answered, completed, flowedOut, offered, T0 } from './helpers/events.js';
import { createPrng, permutations, randomInt, shuffled } from './helpers/prng.js';

/*
 * Issue 8 item 8c and docs/decisions/0006-invalid-visits.md: a visit's verdicts are those of the
 * state machine over its distinct events in (occurredAt, eventId) order, so they are the same for
 * every delivery order, list order included.
 */

const s = (seconds: number): number => seconds * 1000;
const H = { talkMs: 60_000, holdMs: 0, wrapMs: 10_000 };

function only(events: CanonicalEvent[]): QueueKpi {
  const { queues } = computeOracle(events);
  expect(queues).toHaveLength(1);
  return queues[0] as QueueKpi;
}

/** The oracle's output for every ordering of `events`: they must all be equal. */
function everyOrder(events: CanonicalEvent[]): QueueKpi {
  const [first, ...rest] = permutations(events).map(only);
  for (const q of rest) expect(q).toEqual(first);
  return first as QueueKpi;
}

describe('computeOracle: invalid visits are judged in (occurredAt, eventId) order, whatever the list order', () => {
  it('a completion at 100 s listed before an abandon at 50 s: the abandon is applied, the completion is the anomaly', () => {
    const q = everyOrder([offered('c', s(0)), completed('c', s(100), H), abandoned('c', s(50), 50_000)]);
    expect(q.counts).toEqual({ ...emptyCounts(), offered: 1, abandoned: 1, waitMsAbandoned: 50_000, maxWaitMs: 50_000 });
    expect([q.anomalies, q.duplicates]).toEqual([1, 0]);
  });

  it('two answers with different eventIds and times: the earlier is applied, the later is a duplicate report', () => {
    const q = everyOrder([offered('c', s(0)), answered('c', s(40), 40_000, { eventId: 'late-answer' }), answered('c', s(10), 10_000, { eventId: 'early-answer' })]);
    expect(q.counts).toMatchObject({ offered: 1, answered: 1, waitMsAnswered: 10_000, answeredWithinSl: 1 });
    expect([q.anomalies, q.duplicates]).toEqual([0, 1]);
    // A caller did wait 40 s by the second report: the max keeps it (decision 0006).
    expect(q.counts.maxWaitMs).toBe(40_000);
  });

  it('an answer and an abandon: the earlier wins, the other is an anomaly whose wait still counts in maxWaitMs', () => {
    const q = everyOrder([offered('c', s(0)), abandoned('c', s(30), 30_000), answered('c', s(20), 20_000), completed('c', s(200), H)]);
    expect(q.counts).toMatchObject({ answered: 1, abandoned: 0, completed: 1, maxWaitMs: 30_000 });
    expect(q.anomalies).toBe(1);
  });

  it('equal occurredAt: the smaller eventId in code-point order goes first', () => {
    const q = everyOrder([flowedOut('c', s(10), 10_000, { eventId: '\u{1F3A7}' }), abandoned('c', s(10), 9_000, { eventId: '\uFF5E' })]);
    // U+FF5E < U+1F3A7 by code point, although JavaScript's `<` on UTF-16 says otherwise.
    expect('\u{1F3A7}' < '\uFF5E').toBe(true);
    expect(q.counts).toMatchObject({ abandoned: 1, flowedOut: 0, maxWaitMs: 10_000 });
  });

  it('attributes every verdict to its own window, also when a later-listed event moved it', () => {
    const events = [offered('c', s(0)), completed('c', s(900), H), abandoned('c', s(50), 50_000)];
    const { queues } = computeOracle(events, { from: T0 + s(600), to: T0 + s(1200) });
    expect(queues[0]).toMatchObject({ anomalies: 1, duplicates: 0, counts: emptyCounts() });
  });

  it('counts deliveries passed as late per queue, in range, and never applies them', () => {
    const late = [offered('x', s(5)), answered('x', s(9), 4_000), offered('y', s(700))];
    const q = computeOracle([offered('c', s(0))], { late, to: T0 + s(600) }).queues[0];
    expect(q).toMatchObject({ late: 2, counts: { ...emptyCounts(), offered: 1 } });
  });
});

describe('resolveVisit', () => {
  const timed = (event: CallEvent) => ({ event, ms: Date.parse(event.occurredAt) });

  it('returns verdicts in input order and the waiting time of an applied offer with nothing after it', () => {
    const o2 = offered('c', s(5), { eventId: 'o2' });
    const o1 = offered('c', s(3), { eventId: 'o1' });
    expect(resolveVisit([timed(o2), timed(o1)])).toEqual({ verdicts: ['duplicate', 'applied'], state: { offered: 'o1' }, waitingSinceMs: T0 + s(3) });
  });

  it('ends the wait on an applied outcome or completion, whatever the order', () => {
    for (const end of [answered('c', s(9), 9_000), completed('c', s(90), H), abandoned('c', s(9), 9_000)]) {
      for (const list of permutations([offered('c', s(0)), end])) expect(resolveVisit(list.map(timed)).waitingSinceMs).toBeUndefined();
    }
  });
});

describe('compareCodePoints', () => {
  it('orders by code point, which is the UTF-8 byte order the Lua store compares', () => {
    const ids = ['', 'a', 'a|', 'ab', 'b', '\u00e9', '\uD7FF', '\uE000', '\uFFFF', '\u{10000}', '\u{1F3A7}', '\u{10FFFF}'];
    for (const a of ids) {
      for (const b of ids) {
        const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
        expect(Math.sign(compareCodePoints(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(bytes);
      }
    }
  });
});

describe('computeOracle: the same result for every order of visits with conflicts and duplicates', () => {
  it.each([11, 12, 13])('seed %i', (seed) => {
    const random = createPrng(seed);
    const events: CallEvent[] = [];
    const kinds = ['answered', 'abandoned', 'flowed_out', 'completed'] as const;
    for (let v = 0; v < 60; v += 1) {
      const callId = `c${v}`;
      // Few distinct seconds, so ties in occurredAt are common.
      const t = () => s(randomInt(random, 0, 6));
      if (random() < 0.8) events.push(offered(callId, t()));
      if (random() < 0.3) events.push(offered(callId, t()));
      for (let k = randomInt(random, 1, 3); k > 0; k -= 1) {
        const kind = kinds[randomInt(random, 0, kinds.length - 1)];
        const wait = randomInt(random, 0, 40_000);
        if (kind === 'answered') events.push(answered(callId, t(), wait));
        else if (kind === 'abandoned') events.push(abandoned(callId, t(), wait));
        else if (kind === 'flowed_out') events.push(flowedOut(callId, t(), wait));
        else events.push(completed(callId, t(), H));
      }
    }
    const withCopies = [...events, ...events.filter(() => random() < 0.2).map((e) => ({ ...e }))];
    const reference = computeOracle(withCopies);
    expect(reference.queues[0]!.anomalies).toBeGreaterThan(5);
    for (let i = 0; i < 20; i += 1) expect(computeOracle(shuffled(withCopies, random))).toEqual(reference);
  });
});
