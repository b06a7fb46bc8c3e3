import type { CanonicalEvent } from '@callboard/events';
import { describe, expect, it } from 'vitest';
import { computeOracle, computeRatios, emptyCounts, type OracleOptions, type QueueKpi } from '../src/index.js';
import { answered, at, completed, offered, T0 } from './helpers/events.js';
import { chatAnswered, closed, failed, filed, offeredBy, outboundCompleted, outboundOffered, responded, survey } from './helpers/wave2-events.js';

const s = (seconds: number): number => seconds * 1000;
const H = 3_600_000;

function queueRow(events: CanonicalEvent[], queueId = 'q1', options: OracleOptions = {}): QueueKpi {
  const row = computeOracle(events, options).queues.find((q) => q.queueId === queueId);
  expect(row, queueId).toBeDefined();
  return row!;
}


describe('computeOracle: direction (decision 0010 §2)', () => {
  it('an outbound visit with no outcome: 1 attempt, connectRate 0, successRate null, nothing inbound', () => {
    const q = queueRow([outboundOffered('o1', 0)]);
    expect(q.counts).toEqual({ ...emptyCounts(), outboundAttempts: 1 });
    expect(q.outbound.attempts).toBe(1);
    expect(q.outbound.connectRate).toBe(0);
    expect(q.outbound.successRate).toBeNull();
    expect(q.answerRate).toBeNull();
  });

  it('counts a visit outbound when its offer is stamped after its outcome (direction from the applied offer, wherever it sits)', () => {
    const events = [answered('o1', s(5), 7000), outboundCompleted('o1', s(65), 60_000, true), outboundOffered('o1', s(10))];
    const q = queueRow(events);
    expect(q.counts).toEqual({
      ...emptyCounts(),
      outboundAttempts: 1,
      outboundConnected: 1,
      outboundRingMs: 7000,
      outboundCompleted: 1,
      outboundSucceeded: 1,
      outboundTalkMs: 60_000,
      maxWaitMs: 7000, // any distinct outcome, either direction
    });
    // Reordered or with the offer left out of the range, the direction is the same.
    expect(queueRow([...events].reverse())).toEqual(q);
    const beforeOffer = queueRow(events, 'q1', { to: T0 + s(10) });
    expect(beforeOffer.counts.outboundConnected).toBe(1);
    expect(beforeOffer.counts.answered).toBe(0);
  });

  it('a visit without any offer is inbound', () => {
    const q = queueRow([answered('c1', 0, 1000)]);
    expect([q.counts.answered, q.counts.outboundConnected]).toEqual([1, 0]);
  });

  it('a connected outbound call still in progress is in successRate denominator; only success === true succeeds', () => {
    const events = [
      outboundOffered('o1', 0),
      answered('o1', s(10), 10_000),
      outboundCompleted('o1', s(70), 60_000, true),
      outboundOffered('o2', 0),
      answered('o2', s(20), 20_000), // in progress
      outboundOffered('o3', 0),
      answered('o3', s(5), 5000),
      outboundCompleted('o3', s(35), 30_000, undefined), // success not reported
      outboundOffered('o4', 0),
      failed('o4', s(30), 30_000, 'no_answer'),
      outboundOffered('o5', 0),
      failed('o5', s(2), 2000, 'busy'),
      outboundOffered('o6', 0),
      failed('o6', s(1), 1000, 'timeout'), // an inbound-only reason: other
    ];
    const q = queueRow(events);
    expect(q.outbound).toEqual({
      attempts: 6,
      connected: 3,
      succeeded: 1,
      abandoned: 0,
      failed: { no_answer: 1, busy: 1, invalid_number: 0, rejected: 0, other: 1 },
      connectRate: 0.5,
      successRate: 1 / 3,
      avgRingMs: 35_000 / 3,
      avgTalkMs: 90_000 / 2,
    });
    expect(q.counts.maxWaitMs).toBe(30_000);
    expect([q.counts.offered, q.counts.answered, q.counts.flowedOut, q.counts.completed]).toEqual([0, 0, 0, 0]);
  });

  it('counts first response on inbound answers against the queue target, inclusive', () => {
    const events = [offered('m1', 0), chatAnswered('m1', s(5), 5000, 30_000), offered('m2', 0), chatAnswered('m2', s(5), 5000, 30_001), offered('m3', 0), answered('m3', s(1), 1000)];
    const q = queueRow(events);
    expect([q.counts.firstResponses, q.counts.firstResponseMs, q.counts.firstResponsesWithinTarget]).toEqual([2, 60_001, 1]);
    expect(q.avgFirstResponseMs).toBe(60_001 / 2);
    expect(q.firstResponseWithinTarget).toBe(0.5);
    expect(queueRow(events, 'q1', { settings: () => ({ firstResponseTargetMs: 40_000 }) }).firstResponseWithinTarget).toBe(1);
  });
});

describe('computeOracle: surveys (decision 0010 §3)', () => {
  it('a survey with only csat counts csat only; a queue with only surveys gets a row', () => {
    const q = queueRow([survey('s1', s(1), { csat: 4 }, { queueId: 'qs' })], 'qs');
    expect(q.counts).toEqual({ ...emptyCounts(), surveys: 1, csatResponses: 1, csatSum: 4, csatSatisfied: 1 });
    expect([q.csatRate, q.avgCsat, q.nps, q.surveyResolvedRate, q.fcrRate]).toEqual([1, 4, null, null, null]);
  });

  it('a surveyId repeated under a new eventId counts once: the first in (occurredAt, eventId) order', () => {
    const events = [
      survey('s1', s(20), { csat: 1, nps: 0 }, { eventId: 'a-later' }),
      survey('s1', s(10), { csat: 5, nps: 10, resolved: true }, { eventId: 'z-first' }),
      survey('s1', s(10), { csat: 2 }, { eventId: 'z-second' }), // same time, later id
    ];
    const copy = { ...events[1]! };
    const q = queueRow([...events, copy]);
    expect(q.counts).toMatchObject({ surveys: 1, csatSum: 5, npsPromoters: 1, surveyResolved: 1 });
    expect(q.duplicates).toBe(3);
    expect(q.nps).toBe(100);
    // In another queue the same surveyId is another survey.
    expect(computeOracle([...events, survey('s1', s(10), { csat: 3 }, { queueId: 'q2' })]).queues.map((r) => r.counts.surveys)).toEqual([1, 1]);
  });

  it('counts a survey at its own time, and a late one in its queue', () => {
    const q = queueRow([offered('c', 0)], 'q1', { late: [survey('s1', s(1), { nps: 8 })], to: T0 + s(60) });
    expect(q.late).toBe(1);
    expect(q.counts.surveys).toBe(0);
    expect(computeOracle([survey('s1', s(90), { nps: 8 })], { to: T0 + s(60) }).queues).toEqual([]);
  });
});

describe('computeOracle: complaints (decision 0010 §4)', () => {
  const normalMs = 24 * H;

  it('counts filed, responded and responded on time: exactly at the due time is on time, 1 ms later is not', () => {
    const events = [
      filed('k1', 0, { queueId: 'q1' }),
      responded('k1', normalMs), // exactly due: on time
      filed('k2', 0, { queueId: 'q1' }),
      responded('k2', normalMs + 1), // 1 ms late
      filed('k3', 0, { queueId: 'q1', severity: 'urgent' }),
      responded('k3', 2 * H), // urgent default: 2 h
    ];
    const q = queueRow(events);
    expect([q.counts.complaintsFiled, q.counts.complaintsResponded, q.counts.complaintsRespondedOnTime]).toEqual([3, 3, 2]);
    expect(q.complaintResponseOnTimeRate).toBe(2 / 3);
    // The tenant's response times decide when responseDueAt is absent.
    const longer = queueRow(events, 'q1', { tenantSettings: () => ({ complaintResponseMs: { normal: normalMs + 1, urgent: H } }) });
    expect(longer.counts.complaintsRespondedOnTime).toBe(2); // k1, k2 on time; k3 late for 1 h
  });

  it('reads responseDueAt with an offset (+08:00)', () => {
    // 08:00Z + 1 h = 09:00Z = 17:00+08:00.
    const due = '2024-03-01T17:00:00.000+08:00';
    expect(Date.parse(due)).toBe(T0 + H);
    const events = [filed('k1', 0, { queueId: 'q1', responseDueAt: due }), responded('k1', H), filed('k2', 0, { queueId: 'q1', responseDueAt: due }), responded('k2', H + 1)];
    expect(queueRow(events).counts.complaintsRespondedOnTime).toBe(1);
  });

  it('ignores later responses and counts each event at its own time; outcomes by kind', () => {
    const events = [
      filed('k1', 0, { queueId: 'q1', responseDueAt: at(s(100)) }),
      responded('k1', s(200)), // first: late
      responded('k1', s(50), { eventId: 'zz' }), // earlier in time, so it is the first response: on time
      closed('k1', s(300), 'rejected'),
      closed('k1', s(400), 'resolved'), // a second closing: duplicate
      filed('k2', s(10), { queueId: 'q1' }),
      closed('k2', s(20), 'withdrawn'),
      filed('k3', s(10), { queueId: 'q1' }),
      closed('k3', s(30), 'resolved'),
    ];
    const q = queueRow(events);
    expect(q.counts).toMatchObject({
      complaintsFiled: 3,
      complaintsResponded: 1,
      complaintsRespondedOnTime: 1,
      complaintsResolved: 1,
      complaintsRejected: 1,
      complaintsWithdrawn: 1,
    });
    expect(q.duplicates).toBe(2);
    // The response at 50 s is in [0, 60 s): counted there, the filing too.
    const firstMinute = queueRow(events, 'q1', { to: T0 + s(60) });
    expect(firstMinute.counts).toMatchObject({ complaintsFiled: 3, complaintsResponded: 1, complaintsRejected: 0, complaintsResolved: 1, complaintsWithdrawn: 1 });
    const later = queueRow(events, 'q1', { from: T0 + s(60) });
    expect(later.counts).toMatchObject({ complaintsFiled: 0, complaintsResponded: 0, complaintsRejected: 1 });
  });

  it('a complaintId repeated under a new eventId counts once', () => {
    const events = [filed('k1', 0, { queueId: 'q1', eventId: 'f1' }), filed('k1', s(1), { queueId: 'q1', eventId: 'f2' }), responded('k1', s(2), { eventId: 'r1' }), responded('k1', s(2), { eventId: 'r2' })];
    const q = queueRow([...events, { ...events[0]! }]);
    expect([q.counts.complaintsFiled, q.counts.complaintsResponded, q.duplicates]).toEqual([1, 1, 3]);
  });

  it('a complaint without a queue counts at tenant level only, even with a callId', () => {
    const events: CanonicalEvent[] = [offered('c1', 0), answered('c1', s(5), 5000), filed('k1', s(10), { callId: 'c1' }), responded('k1', s(20))];
    const { queues, tenants } = computeOracle(events);
    expect(queues).toHaveLength(1);
    expect(queues[0]!.counts.complaintsFiled).toBe(0);
    expect(tenants).toHaveLength(1);
    expect(tenants[0]).toMatchObject({ tenantId: 't1', queueId: null });
    expect(tenants[0]!.counts).toMatchObject({ answered: 1, complaintsFiled: 1, complaintsResponded: 1, complaintsRespondedOnTime: 1 });
    expect(tenants[0]!.complaintsPer10k).toBe(10_000);
    // Only queue-less complaints: a tenant row and no queue row.
    const alone = computeOracle([filed('k1', 0)]);
    expect(alone.queues).toEqual([]);
    expect(alone.tenants.map((t) => t.counts.complaintsFiled)).toEqual([1]);
  });

  it('a response or closing with no filing counts nowhere; a queue with only complaint events gets a row', () => {
    expect(computeOracle([responded('k9', 0), closed('k9', 1)])).toEqual({ queues: [], tenants: [] });
    const q = queueRow([filed('k1', 0, { queueId: 'qc' })], 'qc');
    expect(q.counts).toEqual({ ...emptyCounts(), complaintsFiled: 1 });
    expect(q.complaintsPer10k).toBeNull(); // nothing answered
  });

  it('complaintsPer10kSubscribers: per the tenant subscribers, null without a count', () => {
    const events = [filed('k1', 0, { queueId: 'q1' }), filed('k2', 0, { queueId: 'q2' }), filed('k3', 0)];
    const withCount = computeOracle(events, { tenantSettings: () => ({ subscribers: 2000 }) });
    expect(withCount.queues.map((q) => q.complaintsPer10kSubscribers)).toEqual([5, 5]); // 1 / 2000 × 10 000
    expect(withCount.tenants[0]!.complaintsPer10kSubscribers).toBe(15); // 3 / 2000 × 10 000
    expect(computeOracle(events).tenants[0]!.complaintsPer10kSubscribers).toBeNull();
  });

  it('a late complaint event counts in its complaint queue when the filing is known, else in the tenant row', () => {
    const events = [filed('k1', 0, { queueId: 'q1' }), filed('k2', 0)];
    const late = [responded('k1', s(1)), responded('k2', s(1)), responded('k3', s(1))];
    const { queues, tenants } = computeOracle(events, { late });
    expect(queues[0]!.late).toBe(1);
    expect(tenants[0]!.late).toBe(3); // 1 from q1 + 2 at tenant level
    expect(tenants[0]!.counts.complaintsResponded).toBe(0);
  });
});

describe('computeOracle: repeat-contact FCR (decision 0010 §5)', () => {
  const N = 48 * H;
  const contact = (callId: string, t: number, key: string, queueId = 'q1'): CanonicalEvent[] => [offeredBy(callId, t, key, { queueId }), answered(callId, t + s(5), 5000, { queueId })];

  it('a repeat exactly N hours later is a repeat; N h + 1 ms is not (and is final once the clock passes)', () => {
    const exactly = [...contact('c1', 0, 'k'), offeredBy('c2', N, 'k', { queueId: 'q2' })];
    const q = queueRow(exactly);
    expect([q.counts.fcrContacts, q.counts.fcrRepeated, q.counts.fcrPending]).toEqual([1, 1, 0]);
    expect(q.fcrRepeatRate).toBe(0);
    const after = [...contact('c1', 0, 'k'), offeredBy('c2', N + 1, 'k', { queueId: 'q2' })];
    const r = queueRow(after);
    expect([r.counts.fcrContacts, r.counts.fcrRepeated, r.counts.fcrPending]).toEqual([1, 0, 0]);
    expect(r.fcrRepeatRate).toBe(1);
    // The second contact (not answered) is no contact of its own.
    expect(queueRow(after, 'q2').counts.fcrContacts).toBe(0);
  });

  it('stays pending until the tenant clock passes t + N h, whatever the range', () => {
    const base = contact('c1', 0, 'k');
    const atEdge = [...base, offered('x', N, { queueId: 'other' })]; // clock = t + N: still pending
    expect(queueRow(atEdge).counts.fcrPending).toBe(1);
    expect(queueRow(atEdge).fcrRepeatRate).toBeNull();
    const past = [...base, offered('x', N + 1, { queueId: 'other' })];
    expect(queueRow(past).counts.fcrPending).toBe(0);
    expect(queueRow(past).fcrRepeatRate).toBe(1);
    // The clock comes from every call event of the tenant, outside the range too; another tenant's do not move it.
    expect(queueRow(past, 'q1', { to: T0 + H }).counts.fcrPending).toBe(0);
    expect(queueRow([...base, offered('x', N + 1, { tenantId: 't2' })]).counts.fcrPending).toBe(1);
  });

  it('a contact is attributed to its offer time; the repeat may be outside the range', () => {
    const events = [...contact('c1', 0, 'k'), offeredBy('c2', 3 * H, 'k')];
    const first = queueRow(events, 'q1', { to: T0 + H });
    expect([first.counts.fcrContacts, first.counts.fcrRepeated]).toEqual([1, 1]);
    const second = queueRow(events, 'q1', { from: T0 + H });
    expect(second.counts.fcrContacts).toBe(0);
  });

  it('never counts outbound calls, unanswered contacts, contacts without callerKey or the same callId', () => {
    const events: CanonicalEvent[] = [
      ...contact('c1', 0, 'k'),
      { ...outboundOffered('o1', H), callerKey: 'k' }, // outbound: not a repeat
      offeredBy('c1', 2 * H, 'k', { queueId: 'q2' }), // same callId in another queue: not a repeat
      offeredBy('c3', 0, 'j'), // not answered: no contact
      offered('c4', 0),
      answered('c4', s(1), 1000), // no callerKey
      offered('late-clock', 100 * H),
    ];
    const q = queueRow(events);
    expect([q.counts.fcrContacts, q.counts.fcrRepeated, q.counts.fcrPending]).toEqual([1, 0, 0]);
    // An outbound answered visit with a callerKey is no contact either.
    const ob = queueRow([{ ...outboundOffered('o1', 0), callerKey: 'k' }, answered('o1', s(1), 1000), offeredBy('c9', H, 'k')]);
    expect(ob.counts.fcrContacts).toBe(0);
  });

  it('uses the tenant repeat window; the same time is not a repeat, the repeat need not be answered', () => {
    const events = [...contact('c1', 0, 'k'), offeredBy('c2', 0, 'k'), offeredBy('c3', 2 * H, 'k'), offered('z', 100 * H)];
    expect(queueRow(events).counts.fcrRepeated).toBe(1);
    expect(queueRow(events, 'q1', { tenantSettings: () => ({ repeatWindowHours: 1 }) }).counts.fcrRepeated).toBe(0);
  });
});

describe('computeOracle: tenant totals (decision 0010 §6)', () => {
  it('are the sums of the queue rows (maxWaitMs the max) plus tenant-level complaints, ratios from the sums', () => {
    // q1: 1 of 1 answered within SL; q2: 1 of 3 within SL. Average of ratios: (1 + 1/3) / 2 = 2/3; from sums: 2/4.
    const events: CanonicalEvent[] = [
      offered('a', 0, { queueId: 'q1' }),
      answered('a', s(5), 5000, { queueId: 'q1' }),
      offered('b', 0, { queueId: 'q2' }),
      answered('b', s(5), 5000, { queueId: 'q2' }),
      offered('c', 0, { queueId: 'q2' }),
      answered('c', s(50), 50_000, { queueId: 'q2' }),
      offered('d', 0, { queueId: 'q2' }),
      answered('d', s(60), 60_000, { queueId: 'q2' }),
      completed('d', s(120), { talkMs: 60_000, holdMs: 0, wrapMs: 0 }, { queueId: 'q2' }),
      answered('d', s(61), 60_000, { queueId: 'q2', eventId: 'dup' }),
      answered('d', s(61), 60_000, { queueId: 'q2', eventId: 'dup' }),
      survey('s1', s(70), { csat: 5 }, { queueId: 'q1' }),
      survey('s2', s(70), { csat: 2 }, { queueId: 'q2' }),
      survey('s3', s(70), { csat: 3 }, { queueId: 'q2' }),
      filed('k1', s(80)),
      filed('k1', s(81), { eventId: 'k1-again' }),
      offered('e', 0, { tenantId: 't2' }),
    ];
    const { queues, tenants } = computeOracle(events);
    expect(queues.map((q) => `${q.tenantId}/${q.queueId}`)).toEqual(['t1/q1', 't1/q2', 't2/q1']);
    const t1 = tenants[0]!;
    const [q1, q2] = queues;
    expect(t1.queueId).toBeNull();
    expect(t1.counts.answered).toBe(4);
    expect(t1.counts.maxWaitMs).toBe(60_000);
    expect(t1.counts.complaintsFiled).toBe(1);
    expect(t1.counts.offered).toBe(q1!.counts.offered + q2!.counts.offered);
    expect(t1.sl.negativeAbandon).toBe(2 / 4);
    expect(t1.sl.negativeAbandon).not.toBe((q1!.sl.negativeAbandon! + q2!.sl.negativeAbandon!) / 2);
    expect(t1.csatRate).toBe(1 / 3);
    expect(t1.complaintsPer10k).toBe(2500);
    expect(t1.duplicates).toBe(q1!.duplicates + q2!.duplicates + 1);
    expect(q2!.duplicates).toBe(2); // the repeated id, and the second answer
    for (const [name, value] of Object.entries(computeRatios(t1.counts))) expect(t1[name as keyof typeof t1], name).toEqual(value);
    expect(tenants.map((t) => t.tenantId)).toEqual(['t1', 't2']);
  });
});
