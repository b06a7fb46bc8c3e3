import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import { computeOracle, DEFAULT_QUEUE_KPI_SETTINGS, splitLate } from '@callboard/kpi';
import { createRedis, scanKeys, type RedisClient as Redis } from '@callboard/runtime';
import { infra, testLogger } from '../../../test/helpers/infra.js';
import { legacyLateOutboxKey, legacyPartitionKey, partitionIndexKey, WindowStore } from '../src/index.js';

/**
 * The store of issue 9 (docs/decisions/0007-one-slot-per-call.md): one script call per queue, offsets
 * per (partition, queue), resume from the queues behind the partition index, and the previous layout.
 */
const T0 = Date.parse('2026-05-10T10:00:00Z');
const NOW = T0 + 3 * 3600_000;
const GRACE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const settingsFor = () => DEFAULT_QUEUE_KPI_SETTINGS;
let seq = 0;
function ev(input: Record<string, unknown>): CanonicalEvent {
  seq += 1;
  return parseEvent({ eventId: `e${seq}`, tenantId: 'acme', ...input } as CanonicalEventInput);
}
const offered = (callId: string, queueId: string, at: number) => ev({ type: 'call.offered', callId, queueId, occurredAt: iso(at), channel: 'voice', direction: 'inbound' });
const answered = (callId: string, queueId: string, at: number, waitMs: number) => ev({ type: 'call.answered', callId, queueId, occurredAt: iso(at), agentId: 'a1', waitMs });
const agent = (agentId: string, state: string, at: number) => ev({ type: 'agent.state_changed', agentId, state, queueIds: ['q1', 'q2'], occurredAt: iso(at) });

/**
 * A partition's deliveries over two queues and agents: visits in both queues, some delivered out of
 * order, a few older than the watermark minus grace (late), a few producer duplicates.
 */
function deliveries(seed: number): CanonicalEvent[] {
  let x = seed;
  const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: CanonicalEvent[] = [];
  for (let i = 0; i < 60; i += 1) {
    const queueId = i % 2 === 0 ? 'q1' : 'q2';
    // Mostly forward in time, sometimes 30 s back (on time) or 3 min back (late with 60 s grace).
    const back = rnd() < 0.1 ? 180_000 : rnd() < 0.2 ? 30_000 : 0;
    const t = T0 + i * 15_000 - back;
    const o = offered(`c${seed}-${i}`, queueId, t);
    out.push(o);
    if (rnd() < 0.7) out.push(answered(`c${seed}-${i}`, queueId, t + 5_000, 5_000));
    if (rnd() < 0.1) out.push(o);
    if (rnd() < 0.3) out.push(agent(`a${i % 3}`, i % 2 ? 'available' : 'on_call', t));
  }
  return out;
}

describe('the store on one slot per call (real Redis)', () => {
  let redis: Redis;
  let namespace: string;
  const ref = { group: 'g', topic: 'calls', partition: 0 };

  beforeAll(async () => {
    redis = createRedis(infra.redis, testLogger);
    await redis.connect();
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    namespace = `t-${randomBytes(4).toString('hex')}`;
  });

  async function keysOf(match: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const some of scanKeys(redis, match)) keys.push(...some);
    return keys;
  }

  /** Applies `events` from `from` on, in batches of `size`, as a consumer would after a seek. */
  async function feed(store: WindowStore, events: CanonicalEvent[], from: number, size: number): Promise<void> {
    for (let start = from; start < events.length; start += size) {
      const batch = events.slice(start, start + size).map((event, i) => ({ offset: String(start + i), event }));
      await store.applyBatch({ ...ref, events: batch, settingsFor, nowMs: NOW });
    }
  }

  /** Live counters and stats of both queues equal the oracle over what splitLate says was on time. */
  async function expectOracle(store: WindowStore, events: CanonicalEvent[]): Promise<void> {
    const { onTime, late } = splitLate([events], { graceMs: GRACE });
    expect(late.length, 'the input holds late events').toBeGreaterThan(0);
    const oracle = computeOracle(onTime, { late });
    for (const queueId of ['q1', 'q2']) {
      const want = oracle.queues.find((q) => q.queueId === queueId)!;
      const read = await store.readRange('acme', queueId, T0 - 3600_000, T0 + 3600_000, NOW);
      expect(read.counts, queueId).toEqual(want.counts);
      const stats = await store.queueStats('acme', queueId);
      expect(stats.late, `${queueId} late`).toBe(late.filter((e) => 'queueId' in e && e.queueId === queueId).length);
      expect(stats.duplicates, `${queueId} duplicates`).toBe(want.duplicates);
    }
  }

  it('a crash between two queue calls of one batch ends equal to the oracle after redelivery from the resume point', async () => {
    const events = deliveries(7);
    const crashing = createRedis(infra.redis, testLogger);
    await crashing.connect();
    try {
      const first = new WindowStore(crashing, { namespace, graceMs: GRACE });
      await feed(first, events.slice(0, 40), 0, 10);
      // The second queue call of the next batch fails once, after the first was sent: the process dies.
      const real = crashing.cbApplyQueue.bind(crashing);
      let calls = 0;
      crashing.cbApplyQueue = ((...args: Parameters<typeof real>) => {
        calls += 1;
        return calls === 2 ? Promise.reject(new Error('Connection is closed.')) : real(...args);
      }) as typeof real;
      await expect(feed(first, events.slice(0, 50), 40, 10)).rejects.toMatchObject({ code: 'CB_REDIS_UNAVAILABLE' });
      expect(calls).toBe(2);
    } finally {
      crashing.disconnect();
    }
    // A new process: the partition resumes at the batch start (one queue is behind the index), with
    // the watermark as it was there, and the queue already applied skips what it has.
    const second = new WindowStore(redis, { namespace, graceMs: GRACE });
    const point = await second.resume(ref);
    expect(point.resumeAt).toBe(40);
    await feed(second, events, point.resumeAt!, 7);
    await expectOracle(second, events);
    expect((await second.resumePoint(ref)).resumeAt).toBeUndefined();
  });

  it('a queue that lost its last writes (a failover) is behind the index, and its events replay instead of vanishing', async () => {
    const events = deliveries(11);
    const store = new WindowStore(redis, { namespace, graceMs: GRACE });
    await feed(store, events.slice(0, 30), 0, 10);
    // What q2 holds now, as a replica that has not yet received the next writes would.
    const q2Keys = await keysOf(`${namespace}:{acme:q2}:*`);
    const dumps = await Promise.all(q2Keys.map(async (k) => [k, await redis.dumpBuffer(k), await redis.pttl(k)] as const));
    await feed(store, events.slice(0, 40), 30, 10);
    // The failover: q2's master is replaced by that replica. Its offset goes back with its counters.
    for (const k of await keysOf(`${namespace}:{acme:q2}:*`)) await redis.del(k);
    for (const [k, dump, ttl] of dumps) await redis.restore(k, ttl > 0 ? ttl : 0, dump!);
    const restarted = new WindowStore(redis, { namespace, graceMs: GRACE });
    const point = await restarted.resume(ref);
    expect(point.resumeAt).toBe(30);
    await feed(restarted, events, point.resumeAt!, 10);
    await expectOracle(restarted, events);
  });

  it('a failover that loses writes while the same store goes on applying: the next call is refused, and the replay from its point ends equal to the oracle', async () => {
    const events = deliveries(13);
    const store = new WindowStore(redis, { namespace, graceMs: GRACE });
    await feed(store, events.slice(0, 30), 0, 10);
    // What a replica holds of q2, of the tenant's agents and of the partition index (one master
    // for all of them: nothing else remembers the lost batch).
    const indexKey = partitionIndexKey(namespace, ref.group, ref.topic, ref.partition);
    const lostKeys = [...(await keysOf(`${namespace}:{acme:q2}:*`)), ...(await keysOf(`${namespace}:{acme}:*`)), indexKey];
    const dumps = await Promise.all(lostKeys.map(async (k) => [k, await redis.dumpBuffer(k), await redis.pttl(k)] as const));
    await feed(store, events.slice(0, 40), 30, 10);
    for (const k of [...(await keysOf(`${namespace}:{acme:q2}:*`)), ...(await keysOf(`${namespace}:{acme}:*`)), indexKey]) await redis.del(k);
    for (const [k, dump, ttl] of dumps) if (dump) await redis.restore(k, ttl > 0 ? ttl : 0, dump);
    // The same store, never restarted, applies the next batch: q2 and the agents hold 29, not 39.
    const next = events.slice(40, 50).map((event, i) => ({ offset: String(40 + i), event }));
    const refused = store.applyBatch({ ...ref, events: next, settingsFor, nowMs: NOW });
    await expect(refused).rejects.toMatchObject({ code: 'CB_STORE_DIVERGED', context: { resumeAt: 30 } });
    // A consumer seeks there (the aggregator does): every queue skips what it holds.
    await feed(store, events, 30, 10);
    await expectOracle(store, events);
  });

  it('declares the buckets of a re-judged earlier event in a second call when the first did not know them', async () => {
    const store = new WindowStore(redis, { namespace, graceMs: GRACE });
    const real = redis.cbApplyQueue.bind(redis);
    const keyCounts: number[] = [];
    const o = offered('v1', 'q1', T0);
    const later = answered('v1', 'q1', T0 + 70_000, 70_000);
    const early = answered('v1', 'q1', T0 + 20_000, 20_000);
    await feed(store, [o, later], 0, 2);
    redis.cbApplyQueue = ((numKeys: number, ...args: (string | number)[]) => {
      keyCounts.push(numKeys);
      return real(numKeys, ...args);
    }) as typeof real;
    try {
      // The earlier answer wins (decision 0006): the later one's counters, in the minute of T0 + 70 s
      // which this batch does not know, are taken back.
      const r = await store.applyBatch({ ...ref, events: [{ offset: '2', event: early }], settingsFor, nowMs: NOW });
      expect(r).toMatchObject({ applied: 1, revised: 1 });
    } finally {
      redis.cbApplyQueue = real;
    }
    expect(keyCounts).toHaveLength(2);
    expect(keyCounts[1]).toBeGreaterThan(keyCounts[0]!);
    const read = await store.readRange('acme', 'q1', T0, T0 + 120_000, NOW);
    expect(read.counts).toEqual(computeOracle([o, later, early], { from: T0, to: T0 + 120_000 }).queues[0]!.counts);
  });

  it('finds the previous layout and migrates it: offsets up to the old one are skipped, old late entries move to their queues', async () => {
    const events = [offered('m1', 'q1', T0), offered('m2', 'q2', T0 + 1_000), offered('m3', 'q1', T0 + 2_000), agent('a1', 'available', T0 + 3_000)];
    const oldKey = legacyPartitionKey(namespace, ref.group, ref.topic, ref.partition);
    await redis.hset(oldKey, 'offset', 1, 'watermark', T0 + 1_000);
    const oldLate = offered('m0', 'q2', T0 - 3600_000);
    const lateJson = JSON.stringify({ offset: 0, watermark: T0 + 1_000, event: JSON.stringify(oldLate) });
    await redis.rpush(legacyLateOutboxKey(namespace, ref.group, ref.topic, ref.partition), lateJson);
    const store = new WindowStore(redis, { namespace, graceMs: GRACE });
    const other = { ...ref, partition: 1 };
    expect(await store.legacyPartitions([ref, other])).toEqual([ref]);

    const migrated = await store.migrateLegacy([ref, other]);
    expect(migrated).toEqual([{ ref, offset: 1, watermark: T0 + 1_000, lateMoved: 1 }]);
    expect(await store.legacyPartitions([ref, other])).toEqual([]);
    expect(await redis.exists(oldKey)).toBe(0);
    expect(await redis.hget(partitionIndexKey(namespace, ref.group, ref.topic, ref.partition), 'base')).toBe(`1:${T0 + 1_000}`);
    // Offsets 0 and 1 were counted by the old store: a redelivery from 0 counts only 2 and 3.
    const r = await store.applyBatch({ ...ref, events: events.map((event, i) => ({ offset: String(i), event })), settingsFor, nowMs: NOW });
    expect(r).toMatchObject({ redelivered: 2, applied: 2 });
    expect((await store.readRange('acme', 'q1', T0 - 60_000, T0 + 60_000, NOW)).counts.offered).toBe(1);
    expect((await store.readRange('acme', 'q2', T0 - 60_000, T0 + 60_000, NOW)).counts.offered).toBe(0);
    // The old late entry waits in q2's list for this partition, and the resume finds nothing behind.
    const pending = await store.pendingLate(ref);
    expect(pending).toEqual([{ offset: 0, watermark: T0 + 1_000, event: JSON.stringify(oldLate), member: 'q:acme:q2' }]);
    await store.ackLate(ref, pending);
    expect(await store.pendingLate(ref)).toEqual([]);
    expect((await store.resumePoint(ref)).resumeAt).toBeUndefined();
  });
});
