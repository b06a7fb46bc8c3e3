import type { CanonicalEvent } from '@callboard/events';
import { isCallboardError } from '@callboard/errors';
import { describe, expect, it } from 'vitest';
import { computeOracle, emptyCounts, type QueueKpi } from '../src/index.js';
import { abandoned, agentState, answered, at, completed, flowedOut, offered, T0 } from './helpers/events.js';

const s = (seconds: number): number => seconds * 1000;

function only(events: CanonicalEvent[], options: Parameters<typeof computeOracle>[1] = {}): QueueKpi {
  const { queues } = computeOracle(events, options);
  expect(queues).toHaveLength(1);
  return queues[0] as QueueKpi;
}

function expectCode(fn: () => unknown, code: 'CB_USAGE' | 'CB_INPUT_INVALID' | 'CB_QUEUE_CONFIG_INVALID'): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isCallboardError(caught, code)).toBe(true);
}

describe('computeOracle: one queue, worked by hand', () => {
  const c2Abandon = abandoned('c2', s(4), 3_000, { eventId: 'c2-abandon' });
  const events: CanonicalEvent[] = [
    offered('c1', s(0)),
    answered('c1', s(10), 10_000),
    completed('c1', s(130), { talkMs: 100_000, holdMs: 5_000, wrapMs: 15_000, resolved: true }),
    offered('c2', s(1)),
    c2Abandon, // short (< 5 s) and within SL
    offered('c3', s(2)),
    abandoned('c3', s(32), 30_000), // neither short nor within SL
    offered('c4', s(3)),
    answered('c4', s(23), 20_000), // exactly T: within SL
    completed('c4', s(83), { talkMs: 50_000, holdMs: 0, wrapMs: 10_000, transferred: true }), // resolution unknown
    offered('c5', s(5)),
    flowedOut('c5', s(65), 60_000), // the longest wait
    offered('c6', s(6)),
    answered('c6', s(46), 40_000),
    completed('c6', s(100), { talkMs: 40_000, holdMs: 2_000, wrapMs: 8_000, resolved: false }),
    { ...c2Abandon }, // a producer duplicate: same eventId
    answered('c3', s(40), 38_000), // an answer after an abandon: anomaly
    agentState('a1', s(7)), // agent events count for nothing
  ];

  it('counts every DESIGN §3 counter', () => {
    const q = only(events);
    expect(q.tenantId).toBe('t1');
    expect(q.queueId).toBe('q1');
    expect(q.counts).toEqual({
      ...emptyCounts(),
      offered: 6,
      answered: 3,
      abandoned: 2,
      flowedOut: 1,
      abandonedShort: 1,
      answeredWithinSl: 2,
      abandonedWithinSl: 1,
      completed: 3,
      talkMs: 190_000,
      holdMs: 7_000,
      wrapMs: 33_000,
      transferred: 1,
      resolvedKnown: 2,
      resolved: 1,
      waitMsAnswered: 70_000,
      waitMsAbandoned: 33_000,
      maxWaitMs: 60_000,
    });
    expect(q.anomalies).toBe(1);
    expect(q.duplicates).toBe(1);
  });

  it('spreads the ratios of those counters beside them', () => {
    const q = only(events);
    // outcomes = 3 answered + 2 abandoned + 1 flowed out = 6
    expect(q.sl).toEqual({
      negativeAbandon: 2 / 6,
      ignoreShortAbandon: 2 / 5,
      positiveAbandon: 3 / 6,
      abandonAfterSlOnly: 2 / 5,
      handledOnly: 2 / 3,
    });
    expect(q.answerRate).toBe(0.5);
    expect(q.abandonRate).toBe(2 / 6);
    expect(q.asaMs).toBe(70_000 / 3);
    expect(q.avgAbandonWaitMs).toBe(16_500);
    expect(q.ahtMs).toBe(230_000 / 3);
    expect(q.avgTalkMs).toBe(190_000 / 3);
    expect(q.transferRate).toBe(1 / 3);
    expect(q.fcrRate).toBe(0.5);
  });

  it('gives the same result for the list reversed, and does not modify the input', () => {
    const before = JSON.stringify(events);
    const forward = computeOracle(events);
    expect(computeOracle([...events].reverse())).toEqual(forward);
    expect(JSON.stringify(events)).toBe(before);
  });
});

describe('computeOracle: visits', () => {
  it('treats a call that flows out of A and is offered to B as two visits', () => {
    const events = [
      offered('x', s(0), { queueId: 'qA' }),
      flowedOut('x', s(30), 30_000, { queueId: 'qA' }),
      offered('x', s(30), { queueId: 'qB' }),
      answered('x', s(40), 10_000, { queueId: 'qB' }),
      completed('x', s(100), { talkMs: 60_000, holdMs: 0, wrapMs: 0 }, { queueId: 'qB' }),
    ];
    const { queues } = computeOracle(events);
    expect(queues.map((q) => [q.queueId, q.anomalies, q.duplicates])).toEqual([
      ['qA', 0, 0],
      ['qB', 0, 0],
    ]);
    expect(queues[0]?.counts).toEqual({ ...emptyCounts(), offered: 1, flowedOut: 1, maxWaitMs: 30_000 });
    expect(queues[1]?.counts).toEqual({
      ...emptyCounts(),
      offered: 1,
      answered: 1,
      answeredWithinSl: 1,
      waitMsAnswered: 10_000,
      maxWaitMs: 10_000,
      completed: 1,
      talkMs: 60_000,
    });
  });

  it('treats a re-offer to the same queue as the same visit: a duplicate offer, and a second outcome is an anomaly', () => {
    const q = only([
      offered('x', s(0)),
      flowedOut('x', s(30), 30_000),
      offered('x', s(31)),
      answered('x', s(40), 9_000),
    ]);
    expect(q.counts).toEqual({ ...emptyCounts(), offered: 1, flowedOut: 1, maxWaitMs: 30_000 });
    expect(q.duplicates).toBe(1);
    expect(q.anomalies).toBe(1);
  });

  it('keeps the same callId in two tenants apart', () => {
    const { queues } = computeOracle([answered('c', s(1), 1000, { tenantId: 'tA' }), abandoned('c', s(2), 2000, { tenantId: 'tB' })]);
    expect(queues.map((q) => [q.tenantId, q.counts.answered, q.counts.abandoned, q.anomalies])).toEqual([
      ['tA', 1, 0, 0],
      ['tB', 0, 1, 0],
    ]);
  });

  it('applies an answer stamped before its offer (clock skew) and a completion before its answer', () => {
    const q = only([
      offered('c', s(10)),
      answered('c', s(9), 4_000),
      completed('c', s(5), { talkMs: 1_000, holdMs: 0, wrapMs: 0 }),
    ]);
    expect([q.counts.offered, q.counts.answered, q.counts.completed, q.anomalies, q.duplicates]).toEqual([1, 1, 1, 0, 0]);
  });

  it('breaks occurredAt ties by eventId, not list order: the first of two conflicting outcomes by id wins', () => {
    const ans = answered('c', s(10), 10_000, { eventId: 'b' });
    const ab = abandoned('c', s(10), 10_000, { eventId: 'a' });
    for (const list of [[ans, ab], [ab, ans]]) {
      const q = only(list);
      expect([q.counts.abandoned, q.counts.answered, q.anomalies]).toEqual([1, 0, 1]);
    }
  });

  it('dedupes by eventId within a visit; an id reused by another visit is another event', () => {
    const first = answered('c', s(10), 10_000, { eventId: 'same' });
    const other = offered('d', s(11), { eventId: 'same' }); // another visit: eventIds are unique, so this is not a copy
    const q = only([first, other, { ...first }]);
    expect(q.counts.answered).toBe(1);
    expect(q.counts.offered).toBe(1);
    expect(q.duplicates).toBe(1);
  });

  it('lists a queue whose only events were rejected, with every ratio null', () => {
    const q = only([abandoned('c', s(1), 1000), completed('c', s(2), { talkMs: 1, holdMs: 0, wrapMs: 0 })]);
    expect(q.anomalies).toBe(1);
    const { queues } = computeOracle([abandoned('c', s(1), 1000), completed('c', s(2), { talkMs: 1, holdMs: 0, wrapMs: 0 })], {
      from: T0 + s(2),
    });
    expect(queues).toHaveLength(1);
    const rejected = queues[0] as QueueKpi;
    expect(rejected.counts).toEqual(emptyCounts());
    expect(rejected.anomalies).toBe(1);
    expect(rejected.sl).toEqual({
      negativeAbandon: null,
      ignoreShortAbandon: null,
      positiveAbandon: null,
      abandonAfterSlOnly: null,
      handledOnly: null,
    });
    expect([rejected.answerRate, rejected.abandonRate, rejected.asaMs, rejected.ahtMs, rejected.fcrRate]).toEqual([
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('computeOracle: queues', () => {
  it('sorts queues by tenantId then queueId, in code-unit order', () => {
    const events = [
      offered('1', 0, { tenantId: 't1', queueId: 'q1' }),
      offered('2', 0, { tenantId: 't0', queueId: 'qZ' }),
      offered('3', 0, { tenantId: 't1', queueId: 'q0' }),
      offered('4', 0, { tenantId: 't1', queueId: 'Q9' }),
    ];
    expect(computeOracle(events).queues.map((q) => `${q.tenantId}/${q.queueId}`)).toEqual(['t0/qZ', 't1/Q9', 't1/q0', 't1/q1']);
  });

  it('returns no queue for an empty list or agent events only', () => {
    expect(computeOracle([])).toEqual({ queues: [], tenants: [] });
    expect(computeOracle([agentState('a', 0), agentState('b', 1)])).toEqual({ queues: [], tenants: [] });
  });

  it('asks the settings function once per queue and applies its thresholds', () => {
    const asked: string[] = [];
    const events = [
      answered('1', s(1), 15_000, { queueId: 'fast' }),
      answered('2', s(2), 15_000, { queueId: 'fast' }),
      answered('3', s(3), 15_000, { queueId: 'slow' }),
      abandoned('4', s(4), 6_000, { queueId: 'slow' }),
    ];
    const { queues } = computeOracle(events, {
      settings: (tenantId, queueId) => {
        asked.push(`${tenantId}/${queueId}`);
        return queueId === 'fast' ? { slThresholdMs: 10_000 } : { shortAbandonMs: 10_000 };
      },
    });
    expect(asked).toEqual(['t1/fast', 't1/slow']);
    expect(queues.map((q) => [q.queueId, q.counts.answeredWithinSl, q.counts.abandonedShort])).toEqual([
      ['fast', 0, 0],
      ['slow', 1, 1],
    ]);
  });

  it('rejects invalid settings', () => {
    expectCode(() => computeOracle([offered('c', 0)], { settings: () => ({ slThresholdMs: -5 }) }), 'CB_QUEUE_CONFIG_INVALID');
  });
});

describe('computeOracle: range [from, to)', () => {
  const from = T0 + s(60);
  const to = T0 + s(120);

  it('includes an event exactly at `from` and excludes one exactly at `to`', () => {
    const q = only(
      [
        offered('a', s(59) + 999), // 1 ms before from
        offered('b', s(60)), // at from: in
        offered('c', s(119) + 999), // 1 ms before to: in
        offered('d', s(120)), // at to: out
      ],
      { from, to },
    );
    expect(q.counts.offered).toBe(2);
  });

  it('counts an outcome in the window of its own occurredAt, even when its offer is outside', () => {
    const events = [offered('c', s(50)), answered('c', s(70), 20_000), completed('c', s(130), { talkMs: 60_000, holdMs: 0, wrapMs: 0 })];
    const q = only(events, { from, to });
    expect(q.counts).toEqual({ ...emptyCounts(), answered: 1, answeredWithinSl: 1, waitMsAnswered: 20_000, maxWaitMs: 20_000 });
  });

  it('runs the state machine over events outside the range', () => {
    // The abandon before `from` makes the completion inside the range an anomaly.
    const q = only([abandoned('c', s(10), 10_000), completed('c', s(90), { talkMs: 1, holdMs: 0, wrapMs: 0 })], { from, to });
    expect(q.counts).toEqual(emptyCounts());
    expect(q.anomalies).toBe(1);
    // A duplicate inside the range of an offer applied before it.
    const d = only([offered('c', s(10), { eventId: 'o' }), offered('c', s(10) + s(60), { eventId: 'o2' })], { from, to });
    expect([d.counts.offered, d.duplicates]).toEqual([0, 1]);
  });

  it('leaves out a queue with no call event in range', () => {
    const { queues } = computeOracle([offered('c', s(10), { queueId: 'early' }), offered('d', s(61), { queueId: 'inside' })], { from, to });
    expect(queues.map((q) => q.queueId)).toEqual(['inside']);
  });

  it('accepts either bound alone, and an empty range', () => {
    const events = [offered('a', s(0)), offered('b', s(60)), offered('c', s(120))];
    expect(only(events, { from }).counts.offered).toBe(2);
    expect(only(events, { to }).counts.offered).toBe(2);
    expect(computeOracle(events, { from, to: from })).toEqual({ queues: [], tenants: [] });
  });

  it('rejects from > to or NaN bounds with CB_USAGE, and an unparsable occurredAt with CB_INPUT_INVALID', () => {
    expectCode(() => computeOracle([], { from: to, to: from }), 'CB_USAGE');
    expectCode(() => computeOracle([], { from: Number.NaN }), 'CB_USAGE');
    expectCode(() => computeOracle([{ ...offered('c', 0), occurredAt: 'yesterday' }]), 'CB_INPUT_INVALID');
  });

  it('uses the offsets the helpers claim', () => {
    // Guards the fixtures: a wrong T0 would make every range test above vacuous.
    expect(at(s(60))).toBe('2024-03-01T08:01:00.000Z');
  });
});
