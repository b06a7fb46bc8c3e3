import type { CallEvent } from '@callboard/events';
import { describe, expect, it } from 'vitest';
import { computeOracle, emptyCounts, type KpiCounts } from '../src/index.js';
import { abandoned, answered, completed, flowedOut, offered, T0 } from './helpers/events.js';
import { createPrng, randomInt, shuffled } from './helpers/prng.js';

/*
 * Property-style check of DESIGN §5: for valid visits, the oracle's output does not
 * depend on the order events arrive in. The generator also keeps its own tally,
 * written independently of `contribution`, so the output is checked for value and
 * not only for stability.
 */

const TENANTS = ['t1', 't2'];
const QUEUES = ['q1', 'q2', 'q3'];
const T = 20_000;
const SHORT = 5_000;
// Boundary waits come up often on purpose: exactly T, exactly the short-abandon limit, and one ms either side.
const WAITS = [0, 4_999, 5_000, 19_999, 20_000, 20_001];

interface Expected {
  counts: KpiCounts;
  duplicates: number;
}

interface Generated {
  events: CallEvent[];
  expected: Map<string, Expected>;
}

function generate(seed: number, visits: number, from: number, to: number): Generated {
  const random = createPrng(seed);
  const pick = <T>(items: readonly T[]): T => items[randomInt(random, 0, items.length - 1)] as T;
  // Whole seconds over ten minutes: many events share an occurredAt, so list order matters to the sort.
  const second = (lo: number, hi: number): number => randomInt(random, lo, hi) * 1000;
  const wait = (): number => (random() < 0.5 ? pick(WAITS) : second(0, 90) + randomInt(random, 0, 999));

  const originals: CallEvent[] = [];
  let id = 0;
  const common = (tenantId: string, queueId: string) => ({ tenantId, queueId, eventId: `${seed}-${(id += 1)}` });

  /** One valid visit: a subset of offered → (answered → completed) | abandoned | flowed_out. Returns the outcome time. */
  const visit = (callId: string, tenantId: string, queueId: string, kind: string, start: number): number => {
    const c = () => common(tenantId, queueId);
    // Outcomes may carry a time before their offer, completions one before their answer: clocks disagree.
    const outcomeAt = start + second(-5, 60);
    if (kind !== 'no-offer') originals.push(offered(callId, start, c()));
    if (kind === 'answered' || kind === 'completed' || kind === 'no-offer') {
      originals.push(answered(callId, outcomeAt, wait(), c()));
      if (kind !== 'answered') {
        const resolved = pick([true, false, undefined]);
        originals.push(
          completed(
            callId,
            outcomeAt + second(-5, 300),
            {
              talkMs: second(0, 600),
              holdMs: second(0, 60),
              wrapMs: second(0, 60),
              transferred: random() < 0.2,
              ...(resolved === undefined ? {} : { resolved }),
            },
            c(),
          ),
        );
      }
    } else if (kind === 'abandoned') {
      originals.push(abandoned(callId, outcomeAt, wait(), c()));
    } else if (kind === 'flowed') {
      originals.push(flowedOut(callId, outcomeAt, wait(), c()));
    }
    return outcomeAt;
  };

  for (let i = 0; i < visits; i += 1) {
    const tenantId = pick(TENANTS);
    const queueId = pick(QUEUES);
    const kind = pick(['offered', 'answered', 'completed', 'abandoned', 'flowed', 'no-offer', 'flow-to-other']);
    const start = second(0, 600);
    if (kind === 'flow-to-other') {
      // The same call in two queues: two visits, both valid.
      const leftAt = visit(`c${i}`, tenantId, queueId, 'flowed', start);
      const other = pick(QUEUES.filter((q) => q !== queueId));
      visit(`c${i}`, tenantId, other, pick(['completed', 'abandoned', 'answered']), leftAt);
    } else {
      visit(`c${i}`, tenantId, queueId, kind, start);
    }
  }

  // Producer duplicates: identical copies with the same eventId.
  const copies = originals.filter(() => random() < 0.15).map((e) => ({ ...e }));

  const expected = new Map<string, Expected>();
  const inRange = (e: CallEvent): boolean => {
    const ms = Date.parse(e.occurredAt);
    return ms >= from && ms < to;
  };
  const entry = (e: CallEvent): Expected => {
    const key = `${e.tenantId}/${e.queueId}`;
    let x = expected.get(key);
    if (x === undefined) {
      x = { counts: emptyCounts(), duplicates: 0 };
      expected.set(key, x);
    }
    return x;
  };
  for (const e of originals.filter(inRange)) {
    const n = entry(e).counts;
    if (e.type === 'call.offered') n.offered += 1;
    if (e.type === 'call.answered') {
      n.answered += 1;
      n.waitMsAnswered += e.waitMs;
      if (e.waitMs <= T) n.answeredWithinSl += 1;
    }
    if (e.type === 'call.abandoned') {
      n.abandoned += 1;
      n.waitMsAbandoned += e.waitMs;
      if (e.waitMs < SHORT) n.abandonedShort += 1;
      if (e.waitMs <= T) n.abandonedWithinSl += 1;
    }
    if (e.type === 'call.flowed_out') n.flowedOut += 1;
    if (e.type === 'call.answered' || e.type === 'call.abandoned' || e.type === 'call.flowed_out') {
      n.maxWaitMs = Math.max(n.maxWaitMs, e.waitMs);
    }
    if (e.type === 'call.completed') {
      n.completed += 1;
      n.talkMs += e.talkMs;
      n.holdMs += e.holdMs;
      n.wrapMs += e.wrapMs;
      if (e.transferred) n.transferred += 1;
      if (e.resolved !== undefined) n.resolvedKnown += 1;
      if (e.resolved === true) n.resolved += 1;
    }
  }
  for (const e of copies.filter(inRange)) entry(e).duplicates += 1;

  return { events: [...originals, ...copies], expected };
}

describe('computeOracle: order independence over random valid visits', () => {
  const cases = [
    { seed: 1, from: T0 + 120_000, to: T0 + 420_000 },
    { seed: 2, from: T0 + 0, to: T0 + 300_000 },
    { seed: 3, from: T0 + 299_000, to: T0 + 301_000 },
    { seed: 4, from: -Infinity, to: Infinity },
    { seed: 5, from: T0 + 600_000, to: T0 + 1_200_000 },
  ];

  it.each(cases)('seed $seed: every shuffle gives the same, hand-tallied result', ({ seed, from, to }) => {
    const { events, expected } = generate(seed, 300, from, to);
    const options = Number.isFinite(from) ? { from, to } : {};
    const reference = computeOracle(events, options);

    expect(reference.queues.map((q) => `${q.tenantId}/${q.queueId}`)).toEqual([...expected.keys()].sort());
    for (const q of reference.queues) {
      const want = expected.get(`${q.tenantId}/${q.queueId}`) as Expected;
      expect(q.counts).toEqual(want.counts);
      expect(q.duplicates).toBe(want.duplicates);
      expect(q.anomalies).toBe(0);
    }

    const random = createPrng(seed * 7919);
    for (let i = 0; i < 25; i += 1) {
      expect(computeOracle(shuffled(events, random), options)).toEqual(reference);
    }
  });

  it('the generator produces enough material for the check to mean something', () => {
    const { events, expected } = generate(1, 300, T0 + 120_000, T0 + 420_000);
    const times = events.map((e) => e.occurredAt);
    // Ties in occurredAt: the stable sort keeps the shuffled order for them, so the state machine really sees reordering.
    expect(new Set(times).size).toBeLessThan(times.length * 0.8);
    const total = [...expected.values()].reduce(
      (acc, x) => ({ answered: acc.answered + x.counts.answered, completed: acc.completed + x.counts.completed, dup: acc.dup + x.duplicates }),
      { answered: 0, completed: 0, dup: 0 },
    );
    expect(total.answered).toBeGreaterThan(20);
    expect(total.completed).toBeGreaterThan(10);
    expect(total.dup).toBeGreaterThan(10);
  });
});
