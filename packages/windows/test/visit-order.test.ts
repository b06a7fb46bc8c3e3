import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCallEvent, parseEvent, type CallEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import { computeOracle, DEFAULT_QUEUE_KPI_SETTINGS, resolveVisit, splitLate, visitKey, type TimedCallEvent } from '@callboard/kpi';
import { createRedis, type RedisClient as Redis } from '@callboard/runtime';
import { createPrng, permutations, randomInt, shuffled } from '../../kpi/test/helpers/prng.js';
import { infra, testLogger } from '../../../test/helpers/infra.js';
import { WindowStore } from '../src/index.js';

/*
 * Issue 8 item 8: the live store's counters AND stats equal the oracle's under any delivery
 * order (docs/decisions/0006-invalid-visits.md). Every delivery order runs through the real
 * WindowStore on the real Redis, each in its own namespace.
 */

const T0 = Date.parse('2026-05-10T10:00:00Z');
const NOW = T0 + 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const s = (seconds: number) => seconds * 1000;
const QUEUES = ['billing', 'sales'];
const settingsFor = () => DEFAULT_QUEUE_KPI_SETTINGS;

let seq = 0;
function call(type: string, callId: string, at: number, fields: Record<string, unknown> = {}, queueId = 'billing'): CallEvent {
  seq += 1;
  return parseEvent({ type, eventId: `e${seq}`, tenantId: 'acme', queueId, callId, occurredAt: iso(at), ...fields } as CanonicalEventInput) as CallEvent;
}
const offered = (c: string, at: number, q?: string) => call('call.offered', c, at, { channel: 'voice', direction: 'inbound' }, q);
const answered = (c: string, at: number, waitMs: number, q?: string) => call('call.answered', c, at, { agentId: 'a1', waitMs }, q);
const abandoned = (c: string, at: number, waitMs: number, q?: string) => call('call.abandoned', c, at, { waitMs }, q);
const flowedOut = (c: string, at: number, waitMs: number, q?: string) => call('call.flowed_out', c, at, { waitMs, reason: 'overflow' }, q);
const completed = (c: string, at: number, q?: string) =>
  call('call.completed', c, at, { agentId: 'a1', talkMs: s(100), holdMs: s(5), wrapMs: s(20), transferred: false, resolved: true }, q);

/** The live state the store must show: every visit judged over its on-time distinct events. */
function expectedWaiting(onTime: readonly CanonicalEvent[], queueId: string): { callsWaiting: number; longestWaitingMs: number | null } {
  const visits = new Map<string, Map<string, TimedCallEvent>>();
  for (const e of onTime) {
    if (!isCallEvent(e) || e.queueId !== queueId) continue;
    const visit = visits.get(visitKey(e)) ?? new Map<string, TimedCallEvent>();
    if (!visit.has(e.eventId)) visit.set(e.eventId, { event: e, ms: Date.parse(e.occurredAt) });
    visits.set(visitKey(e), visit);
  }
  let callsWaiting = 0;
  let oldest = Infinity;
  for (const visit of visits.values()) {
    const since = resolveVisit([...visit.values()]).waitingSinceMs;
    if (since === undefined) continue;
    callsWaiting += 1;
    oldest = Math.min(oldest, since);
  }
  return { callsWaiting, longestWaitingMs: callsWaiting > 0 ? NOW - oldest : null };
}

describe('WindowStore equals the oracle, counters and stats, under any delivery order (real Redis)', () => {
  let redis: Redis;
  beforeAll(async () => {
    redis = createRedis(infra.redis, testLogger);
    await redis.connect();
  });
  afterAll(async () => {
    await redis.quit();
  });

  const fresh = (graceMs?: number) => new WindowStore(redis, { namespace: `t-${randomBytes(4).toString('hex')}`, ...(graceMs === undefined ? {} : { graceMs }) });

  /**
   * Delivers `partitions` (each a list of events in offset order) in batches of the given sizes,
   * then holds counters, stats and live state to the oracle given the store's own late exclusion.
   */
  async function deliverAndCompare(store: WindowStore, partitions: CanonicalEvent[][], batchSizes: () => number, redeliver: () => boolean = () => false): Promise<number> {
    let revised = 0;
    await Promise.all(
      partitions.map(async (events, partition) => {
        let i = 0;
        while (i < events.length) {
          const n = Math.max(1, batchSizes());
          const batch = events.slice(i, i + n).map((event, k) => ({ offset: String(i + k), event }));
          const input = { group: 'g', topic: 'calls', partition, events: batch, settingsFor, nowMs: NOW };
          revised += (await store.applyBatch(input)).revised;
          // A consumer that crashed before committing gets the same offsets again: skipped.
          if (redeliver()) expect(await store.applyBatch(input)).toMatchObject({ applied: 0, duplicates: 0, anomalies: 0, late: 0, redelivered: batch.length });
          i += n;
        }
      }),
    );
    const { onTime, late } = splitLate(partitions, { graceMs: store.graceMs });
    for (const queueId of QUEUES) {
      const whole = computeOracle(onTime, { late }).queues.find((q) => q.queueId === queueId);
      if (!whole) continue;
      const label = `${queueId}, delivered ${partitions.map((p) => p.map((e) => e.eventId).join(' ')).join(' / ')}`;
      for (const [from, to] of [
        [T0 - s(600), T0 + s(3000)],
        [T0, T0 + s(30)],
        [T0 + s(30), T0 + s(120)],
        [T0 + s(120), T0 + s(900)],
      ] as const) {
        const read = await store.readRange('acme', queueId, from, to, NOW);
        const oracle = computeOracle(onTime, { from, to }).queues.find((q) => q.queueId === queueId);
        expect(read.counts, `${label}: counts in [${iso(from)}, ${iso(to)})`).toEqual(oracle?.counts ?? read.counts);
        if (!oracle) expect(Object.values(read.counts).every((v) => v === 0), label).toBe(true);
      }
      expect(await store.queueStats('acme', queueId), `${label}: stats`).toEqual({ anomalies: whole.anomalies, duplicates: whole.duplicates, late: whole.late });
      const live = await store.liveState('acme', queueId, NOW);
      expect({ callsWaiting: live.callsWaiting, longestWaitingMs: live.longestWaitingMs }, `${label}: waiting`).toEqual(expectedWaiting(onTime, queueId));
    }
    return revised;
  }

  /** Every ordering of `events`, one batch per event and one batch for all, each on a fresh store. */
  async function everyOrder(events: CanonicalEvent[], graceMs?: number): Promise<void> {
    for (const order of permutations(events)) {
      await deliverAndCompare(fresh(graceMs), [order], () => 1);
      await deliverAndCompare(fresh(graceMs), [order], () => order.length);
    }
  }

  it('a redelivered copy (new offset, same eventId) of an anomalous event is a duplicate, as in the oracle', async () => {
    const o = offered('a1', T0);
    const ans = answered('a1', T0 + s(5), s(5));
    const ab = abandoned('a1', T0 + s(8), s(8));
    await everyOrder([o, ans, ab, { ...ab }]);
  });

  it('a late copy of an event already applied counts as a duplicate, not late', async () => {
    const ans = answered('l1', T0 + s(10), s(5));
    const ahead = offered('l2', T0 + s(600));
    const store = fresh(s(60));
    await deliverAndCompare(store, [[ans, ahead, { ...ans }]], () => 1);
    expect(await store.queueStats('acme', 'billing')).toEqual({ anomalies: 0, duplicates: 1, late: 0 });
    // A first delivery that late is still late, and so is its copy.
    const other = answered('l3', T0 + s(11), s(6));
    await deliverAndCompare(fresh(s(60)), [[ahead, other, { ...other }, ans]], () => 2);
  });

  it('a completed at 100 s delivered before an abandoned at 50 s: the abandon is applied, the completion is the anomaly', async () => {
    const events = [offered('i1', T0), completed('i1', T0 + s(100)), abandoned('i1', T0 + s(50), s(50))];
    const store = fresh();
    await deliverAndCompare(store, [[events[1]!, events[2]!, events[0]!]], () => 1);
    expect((await store.readRange('acme', 'billing', T0, T0 + s(600), NOW)).counts).toMatchObject({ offered: 1, abandoned: 1, completed: 0, talkMs: 0, maxWaitMs: s(50) });
    expect(await store.queueStats('acme', 'billing')).toEqual({ anomalies: 1, duplicates: 0, late: 0 });
    await everyOrder(events);
  });

  it('two answers with different eventIds and times: the earlier is applied whatever arrives first', async () => {
    await everyOrder([offered('i2', T0), answered('i2', T0 + s(40), s(40)), answered('i2', T0 + s(10), s(10)), completed('i2', T0 + s(200))]);
  });

  it('an answer and an abandon: the earlier wins, and the other one is the anomaly, in any order', async () => {
    await everyOrder([offered('i3', T0), abandoned('i3', T0 + s(30), s(30)), answered('i3', T0 + s(20), s(20)), completed('i3', T0 + s(90))]);
  });

  it('two offers and a flow-out with the same occurredAt: ties go by eventId, and the waiting set ends the same', async () => {
    const t = T0 + s(7);
    await everyOrder([offered('i4', t), offered('i4', T0 + s(3)), flowedOut('i4', t, s(4)), abandoned('i4', t, s(4))]);
    await everyOrder([offered('i5', T0 + s(9)), offered('i5', T0 + s(3)), completed('i5', T0 + s(60))]);
  });

  it('remembers at most 32 distinct events per visit; more new eventIds are anomalies, not kept', async () => {
    const store = fresh();
    const events = [offered('big', T0), ...Array.from({ length: 40 }, (_, k) => answered('big', T0 + s(1 + k), s(1 + k)))];
    const r = await store.applyBatch({ group: 'g', topic: 'calls', partition: 0, events: events.map((event, i) => ({ offset: String(i), event })), settingsFor, nowMs: NOW });
    expect(r).toMatchObject({ applied: 2, duplicates: 30, anomalies: 9 });
    expect(await redis.hlen(`${store.keys('acme', 'billing').prefix}v:big`)).toBe(32);
    expect((await store.readRange('acme', 'billing', T0, T0 + s(600), NOW)).counts).toMatchObject({ offered: 1, answered: 1, waitMsAnswered: s(1) });
  });

  describe('property: random visits with conflicts and copies, random orders, random batch splits, two partitions', () => {
    /** Visits of two queues: valid ones, and ones with a second offer, conflicting outcomes, a stray completion; copies of anything. */
    function generate(seed: number): CallEvent[] {
      const random = createPrng(seed);
      const events: CallEvent[] = [];
      const at = (lo: number, hi: number) => T0 + s(randomInt(random, lo, hi));
      const wait = () => randomInt(random, 0, 40) * 1000 + (random() < 0.3 ? 0 : randomInt(random, 0, 999));
      for (let v = 0; v < 24; v += 1) {
        const c = `p${seed}-${v}`;
        const q = QUEUES[v % 2]!;
        const start = at(0, 300);
        if (random() < 0.85) events.push(offered(c, start, q));
        if (random() < 0.2) events.push(offered(c, start + s(randomInt(random, -5, 5)), q));
        const outcomes = random() < 0.4 ? randomInt(random, 2, 3) : random() < 0.85 ? 1 : 0;
        for (let k = 0; k < outcomes; k += 1) {
          // Ties with other events of the visit on purpose: whole seconds close to the offer.
          const t = start + s(randomInt(random, 0, 40));
          const kind = randomInt(random, 0, 2);
          events.push(kind === 0 ? answered(c, t, wait(), q) : kind === 1 ? abandoned(c, t, wait(), q) : flowedOut(c, t, wait(), q));
        }
        if (random() < 0.5) events.push(completed(c, start + s(randomInt(random, 20, 400)), q));
      }
      return [...events, ...events.filter(() => random() < 0.25).map((e) => ({ ...e }))];
    }

    it.each([1, 2, 3])('seed %i: 12 delivery orders, batches of 1 to 12, some batches redelivered', async (seed) => {
      const events = generate(seed);
      const random = createPrng(seed * 7919);
      const reference = computeOracle(events);
      expect(reference.queues.reduce((n, q) => n + q.anomalies, 0)).toBeGreaterThan(3);
      expect(reference.queues.reduce((n, q) => n + q.duplicates, 0)).toBeGreaterThan(5);
      let revised = 0;
      for (let round = 0; round < 12; round += 1) {
        const order = shuffled(events, random);
        // A visit's events share a partition, as the call topic is keyed by callId.
        const partitions = [0, 1].map((p) => order.filter((e) => Number(e.callId.split('-')[1]) % 2 === p));
        revised += await deliverAndCompare(fresh(), partitions, () => randomInt(random, 1, 12), () => random() < 0.2);
      }
      // Arrivals did change earlier verdicts, so taking back contributions was exercised.
      expect(revised).toBeGreaterThan(0);
    });

    it.each([4, 5])('seed %i: with a 100 s grace, so that some deliveries are late', async (seed) => {
      const events = generate(seed);
      const random = createPrng(seed * 7919);
      let lateSeen = 0;
      for (let round = 0; round < 12; round += 1) {
        const order = shuffled(events, random);
        const partitions = [0, 1].map((p) => order.filter((e) => Number(e.callId.split('-')[1]) % 2 === p));
        lateSeen += splitLate(partitions, { graceMs: s(100) }).late.length;
        await deliverAndCompare(fresh(s(100)), partitions, () => randomInt(random, 1, 12));
      }
      expect(lateSeen).toBeGreaterThan(0);
    });
  });
});
