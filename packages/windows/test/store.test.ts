import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import { computeOracle, DEFAULT_QUEUE_KPI_SETTINGS } from '@callboard/kpi';
import { createRedis, nodesOf, scanKeys, type RedisClient as Redis } from '@callboard/runtime';
import { infra, testLogger } from '../../../test/helpers/infra.js';
import { WindowStore } from '../src/index.js';

const T0 = Date.parse('2026-05-10T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
let seq = 0;
function ev(input: Record<string, unknown>): CanonicalEvent {
  seq += 1;
  return parseEvent({ eventId: `e${seq}`, tenantId: 'acme', queueId: 'billing', ...input } as CanonicalEventInput);
}
const offered = (callId: string, at: number, queueId = 'billing') => ev({ type: 'call.offered', callId, queueId, occurredAt: iso(at), channel: 'voice', direction: 'inbound' });
const answered = (callId: string, at: number, waitMs: number) => ev({ type: 'call.answered', callId, occurredAt: iso(at), agentId: 'a1', waitMs });
const abandoned = (callId: string, at: number, waitMs: number) => ev({ type: 'call.abandoned', callId, occurredAt: iso(at), waitMs });
const completed = (callId: string, at: number) => ev({ type: 'call.completed', callId, occurredAt: iso(at), agentId: 'a1', talkMs: 100_000, holdMs: 5_000, wrapMs: 20_000, transferred: false, resolved: true });

describe('WindowStore against the real Redis', () => {
  let redis: Redis;
  let store: WindowStore;
  let group: string;
  const ref = () => ({ group, topic: 'calls', partition: 0 });
  const settingsFor = () => DEFAULT_QUEUE_KPI_SETTINGS;
  let offset = 0;
  async function apply(events: CanonicalEvent[], nowMs = T0 + 3600_000, startOffset?: number) {
    if (startOffset !== undefined) offset = startOffset;
    const batch = events.map((event) => ({ offset: String(offset++), event }));
    return store.applyBatch({ ...ref(), events: batch, settingsFor, nowMs });
  }

  beforeAll(async () => {
    redis = createRedis(infra.redis, testLogger);
    await redis.connect();
    // Exercise the EVAL fallback: the scripts are not on the server until first use.
    for (const node of await nodesOf(redis)) await node.script('FLUSH');
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    const ns = `t-${randomBytes(4).toString('hex')}`;
    store = new WindowStore(redis, { namespace: ns });
    group = 'g';
    offset = 0;
  });

  it('counts a batch like the oracle, per 10 s bucket and per range', async () => {
    const events = [
      offered('c1', T0 + 1_000),
      answered('c1', T0 + 21_000, 20_000), // exactly T: within SL
      completed('c1', T0 + 200_000),
      offered('c2', T0 + 5_000),
      abandoned('c2', T0 + 9_000, 4_000), // short abandon
      offered('c3', T0 + 30_000),
      answered('c3', T0 + 75_000, 45_000),
    ];
    const result = await apply(events);
    expect(result).toMatchObject({ applied: 7, duplicates: 0, anomalies: 0, late: 0, redelivered: 0, lastOffset: 6 });
    const now = T0 + 3600_000;
    for (const [from, to] of [
      [T0, T0 + 3600_000],
      [T0, T0 + 10_000],
      [T0 + 10_000, T0 + 80_000],
      [T0 + 20_000, T0 + 30_000],
    ] as const) {
      const read = await store.readRange('acme', 'billing', from, to, now);
      const oracle = computeOracle(events, { from, to }).queues[0];
      expect(read.counts, `[${iso(from)}, ${iso(to)})`).toEqual(oracle?.counts ?? read.counts);
      if (!oracle) expect(Object.values(read.counts).every((v) => v === 0)).toBe(true);
    }
    const whole = await store.readRange('acme', 'billing', T0, T0 + 3600_000, now);
    expect(whole.counts).toMatchObject({ offered: 3, answered: 2, answeredWithinSl: 1, abandoned: 1, abandonedShort: 1, maxWaitMs: 45_000, completed: 1 });
  });

  it('skips redelivered offsets and producer duplicates, and counts anomalies without applying them', async () => {
    const o = offered('c1', T0);
    const a = answered('c1', T0 + 5_000, 5_000);
    await apply([o, a]);
    // Redelivery: the same offsets again.
    const again = await apply([o, a], T0 + 3600_000, 0);
    expect(again).toMatchObject({ applied: 0, redelivered: 2 });
    // A producer duplicate: same eventId, new offset.
    const dup = await apply([a], T0 + 3600_000, 2);
    expect(dup).toMatchObject({ applied: 0, duplicates: 1 });
    // An impossible transition: abandoned after answered.
    const bad = await apply([abandoned('c1', T0 + 6_000, 6_000)], T0 + 3600_000, 3);
    expect(bad).toMatchObject({ applied: 0, anomalies: 1 });
    const read = await store.readRange('acme', 'billing', T0, T0 + 60_000, T0 + 3600_000);
    expect(read.counts).toMatchObject({ offered: 1, answered: 1, abandoned: 0 });
    expect(await store.queueStats('acme', 'billing')).toEqual({ anomalies: 1, duplicates: 1, late: 0 });
    expect(await store.appliedOffset(ref())).toMatchObject({ offset: 3 });
  });

  it('gives the same counters for shuffled input as for ordered input', async () => {
    const events: CanonicalEvent[] = [];
    for (let i = 0; i < 40; i += 1) {
      const t = T0 + i * 7_000;
      events.push(offered(`k${i}`, t));
      if (i % 3 === 0) events.push(abandoned(`k${i}`, t + 3_000 + i * 100, 3_000 + i * 100));
      else {
        events.push(answered(`k${i}`, t + i * 1_000, i * 1_000));
        events.push(completed(`k${i}`, t + i * 1_000 + 60_000));
      }
    }
    const shuffled = [...events].sort((x, y) => (x.eventId.length * 7 + Number(x.eventId.slice(1)) * 31) % 17 - (y.eventId.length * 7 + Number(y.eventId.slice(1)) * 31) % 17);
    expect(shuffled).not.toEqual(events);
    await apply(shuffled);
    const read = await store.readRange('acme', 'billing', T0, T0 + 3600_000, T0 + 3600_000);
    expect(read.counts).toEqual(computeOracle(events).queues[0]!.counts);
  });

  it('does not apply an event older than the partition watermark minus grace, and keeps it for cc.late.v1', async () => {
    const small = new WindowStore(redis, { namespace: store.namespace, graceMs: 60_000 });
    const fresh = offered('n1', T0 + 600_000);
    const old = offered('o1', T0 + 500_000); // 100 s behind the watermark, grace 60 s
    const withinGrace = offered('o2', T0 + 560_000);
    const r = await small.applyBatch({ ...ref(), events: [fresh, old, withinGrace].map((event, i) => ({ offset: String(i), event })), settingsFor, nowMs: T0 + 700_000 });
    expect(r).toMatchObject({ applied: 2, late: 1, watermark: T0 + 600_000 });
    const pending = await small.pendingLate(ref());
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ offset: 1, watermark: T0 + 600_000 });
    expect(JSON.parse(pending[0]!.event)).toMatchObject({ eventId: old.eventId, callId: 'o1' });
    await small.ackLate(ref(), pending);
    expect(await small.pendingLate(ref())).toEqual([]);
    expect(await small.queueStats('acme', 'billing')).toMatchObject({ late: 1 });
  });

  it('refuses a batch when another instance applied the partition meanwhile, and judges the replay with the real watermark', async () => {
    const a = new WindowStore(redis, { namespace: store.namespace, graceMs: 60_000 });
    const b = new WindowStore(redis, { namespace: store.namespace, graceMs: 60_000 });
    const settings = { ...ref(), settingsFor, nowMs: T0 + 3600_000 };
    const s1 = offered('s1', T0 + 600_000);
    await b.applyBatch({ ...settings, events: [{ offset: '0', event: offered('s0', T0) }] });
    // `a` takes the partition over and moves the watermark 10 minutes on; `b` does not know.
    await a.applyBatch({ ...settings, events: [{ offset: '1', event: s1 }] });
    const old = offered('s2', T0 + 30_000); // not late for b's stale view, late for the real watermark
    // b expected the queue to hold offset 0: it holds 1, so b writes nothing and replays from 1.
    await expect(b.applyBatch({ ...settings, events: [{ offset: '2', event: old }] })).rejects.toMatchObject({ code: 'CB_STORE_DIVERGED', retriable: true, context: { resumeAt: 1 } });
    const r = await b.applyBatch({ ...settings, events: [{ offset: '1', event: s1 }, { offset: '2', event: old }] });
    expect(r).toMatchObject({ applied: 0, redelivered: 1, late: 1, lastOffset: 2 });
    const [entry] = await b.pendingLate(ref());
    expect(JSON.parse(entry!.event)).toMatchObject({ eventId: old.eventId });
  });

  it('tracks calls waiting, the longest wait and agents by state', async () => {
    const agent = (agentId: string, state: string, at: number, queueIds = ['billing']) =>
      ev({ type: 'agent.state_changed', agentId, state, queueIds, occurredAt: iso(at), queueId: undefined });
    await apply([
      offered('w1', T0),
      offered('w2', T0 + 10_000),
      offered('w3', T0 + 20_000),
      answered('w3', T0 + 25_000, 5_000),
      agent('a1', 'on_call', T0 + 25_000),
      agent('a2', 'available', T0 + 1_000),
      agent('a3', 'available', T0 + 1_000, ['sales']),
      agent('a2', 'wrap_up', T0 + 500), // older than a2's known state: ignored
    ]);
    const live = await store.liveState('acme', 'billing', T0 + 60_000);
    expect(live).toEqual({
      callsWaiting: 2,
      longestWaitingMs: 60_000,
      agents: { logged_out: 0, available: 1, on_call: 1, wrap_up: 0, away: 0 },
      staffedAgentQueues: [['billing'], ['billing']],
      occupancy: 0.5,
    });
  });

  it('reads beyond fine retention at 15-minute precision from interval buckets', async () => {
    await apply([offered('x1', T0 + 1_000), offered('x2', T0 + 16 * 60_000)]);
    const now = T0 + 5 * 3600_000;
    const read = await store.readRange('acme', 'billing', T0 + 5_000, T0 + 20 * 60_000, now);
    expect(read).toMatchObject({ from: T0, to: T0 + 30 * 60_000, precisionMs: 15 * 60_000 });
    expect(read.counts.offered).toBe(2);
  });

  it('refuses identifiers that would break the key rules before touching Redis', async () => {
    expect(() => store.keys('acme', 'bad:queue')).toThrowError(/CB_KEY_INVALID|key rules/);
    expect(() => store.keys('ac{me}', 'q')).toThrowError(/key rules/);
  });

  it('sets TTLs on every key it writes', async () => {
    await apply([offered('t1', T0), answered('t1', T0 + 1_000, 1_000)]);
    const keys: string[] = [];
    for await (const some of scanKeys(redis, `${store.namespace}:*`)) keys.push(...some);
    expect(keys.length).toBeGreaterThan(3);
    // Progress records carry no TTL (docs/redis-keys.md): the partition index and each queue's offsets.
    for (const key of keys.filter((k) => !k.includes(':pi:{') && !k.endsWith(':offsets') && !k.endsWith(':active'))) {
      expect(await redis.ttl(key), key).toBeGreaterThan(0);
    }
    for (const key of keys.filter((k) => !k.endsWith(':active'))) expect(key.includes('{'), key).toBe(true);
  });
});
