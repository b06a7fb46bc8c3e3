import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Aggregator } from '@callboard/aggregator';
import { parseEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import { computeOracle } from '@callboard/kpi';
import type { Redis } from '@callboard/runtime';
import { readWindow, WindowStore } from '@callboard/windows';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { produceSimulatedRun, queueConfig, waitUntilConsumed, testAggregator } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

const MIN = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

describe('aggregator behaviour with the real services', () => {
  let stack: TestStack;
  let redis: Redis;
  let store: WindowStore;
  let aggregator: Aggregator | undefined;
  let clockOffsetMs = 0;

  beforeAll(async () => {
    stack = await createTestStack('aggb');
    redis = stack.redis();
    await redis.connect();
    store = new WindowStore(redis, { namespace: `t${randomBytes(4).toString('hex')}`, graceMs: 2 * MIN });
    aggregator = testAggregator(stack, store, { graceMs: 2 * MIN, snapshotIntervalMs: 200, now: () => Date.now() + clockOffsetMs });
    await aggregator.start();
  });
  afterAll(async () => {
    await aggregator?.close();
    await stack?.cleanup();
  });

  async function send(events: CanonicalEventInput[]): Promise<CanonicalEvent[]> {
    const parsed = events.map(parseEvent);
    const producer = stack.kafka.producer();
    await producer.connect();
    for (const e of parsed) {
      const r = await stack.codec.encodeEvent(e);
      await producer.send({ topic: r.topic, messages: [{ key: r.key, value: r.value }] });
    }
    await producer.disconnect();
    return parsed;
  }

  async function readTopic(topic: string, count: number): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    const consumer = stack.kafka.consumer({ groupId: `${stack.prefix}reader-${randomBytes(3).toString('hex')}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const d = await stack.codec.decode(message.value);
        if (d.ok) out.push({ ...d.value, _key: message.key?.toString() });
      },
    });
    try {
      await waitFor(`${count} records on ${topic}`, () => (out.length >= count ? true : undefined), 30_000);
    } finally {
      await consumer.disconnect();
    }
    return out;
  }

  it('does not apply an event beyond grace of its partition watermark, counts it and publishes it to cc.late.v1', async () => {
    const now = Date.now();
    const base = { tenantId: 'acme-telecom', queueId: 'billing', channel: 'voice', direction: 'inbound' } as const;
    // One call id, so one partition: the fresh event sets the watermark, the old one is 5 min behind it.
    await send([
      { ...base, eventId: 'late-1', type: 'call.offered', callId: 'late-call', occurredAt: iso(now - MIN) },
      { ...base, eventId: 'late-2', type: 'call.offered', callId: 'late-call', queueId: 'sales', occurredAt: iso(now - 6 * MIN) },
    ]);
    const [late] = await readTopic(stack.topology.late.name, 1);
    expect(late).toMatchObject({ eventId: 'late-2', tenantId: 'acme-telecom', queueId: 'sales', graceMs: 2 * MIN, sourceTopic: stack.topology.callEvents.name, _key: 'acme-telecom/sales' });
    expect(Date.parse(late!.watermark as string)).toBe(Date.parse(iso(now - MIN)));
    expect(await store.queueStats('acme-telecom', 'sales')).toMatchObject({ late: 1 });
    const sales = await readWindow(store, queueConfig.resolve('acme-telecom', 'sales'), 'rolling-15m', Date.now(), Date.now());
    expect(sales.counts.offered).toBe(0);
  });

  it('publishes snapshots that decode through the registry, keyed tenant/queue, and an idle rolling-5m window drains on ticks alone', async () => {
    const now = Date.now();
    const base = { tenantId: 'nordic-mobile', queueId: 'voice-support', channel: 'voice', direction: 'inbound' } as const;
    await send([
      { ...base, eventId: 'idle-1', type: 'call.offered', callId: 'idle-call', occurredAt: iso(now - 2 * MIN) },
      { tenantId: 'nordic-mobile', queueId: 'voice-support', eventId: 'idle-2', type: 'call.answered', callId: 'idle-call', agentId: 'a-1', waitMs: 4000, occurredAt: iso(now - 2 * MIN + 4000) },
    ]);
    await waitFor('the events applied', async () => ((await store.readRange('nordic-mobile', 'voice-support', now - 10 * MIN, now + MIN, Date.now())).counts.answered === 1 ? true : undefined));
    type SnapshotWindow = { name: string; counts: { offered: number; answered: number }; sl: Record<string, number | null>; primarySlValue: number | null; answerRate: number | null };
    type Snapshot = Record<string, unknown> & { windows: SnapshotWindow[] };
    const snapshots: Snapshot[] = [];
    const reader = stack.kafka.consumer({ groupId: `${stack.prefix}kpi-reader` });
    await reader.connect();
    await reader.subscribe({ topic: stack.topology.kpi.name, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const d = await stack.codec.decode(message.value);
        if (d.ok) snapshots.push({ ...(d.value as Snapshot), _key: message.key?.toString() });
      },
    });
    const first = await waitFor('a snapshot showing the call', async () => {
      const records = snapshots;
      // Both events applied: an earlier snapshot may hold the offer without its answer yet.
      return records.find((r) => r._key === 'nordic-mobile/voice-support' && r.windows.find((w) => w.name === 'rolling-5m')?.counts.answered === 1);
    });
    expect(first).toMatchObject({ tenantId: 'nordic-mobile', queueId: 'voice-support', primarySl: 'sl.positiveAbandon' });
    const windows = first.windows;
    expect(windows.map((w) => w.name)).toEqual(['rolling-5m', 'rolling-15m', 'rolling-60m', 'interval-15m', 'interval-30m', 'today']);
    expect(windows[0]!.primarySlValue).toBe(1);
    expect(first.planning).toBeDefined();
    // No more traffic: move the aggregator's clock 6 minutes on; ticks alone empty the window.
    clockOffsetMs = 6 * MIN;
    const later = await waitFor('a snapshot with an empty rolling-5m', async () => {
      const records = snapshots;
      return records.find(
        (r) => r._key === 'nordic-mobile/voice-support' && Date.parse(r.at as string) > now + 5 * MIN && r.windows[0]!.counts.offered === 0,
      );
    });
    const w5 = later.windows[0]!;
    expect(w5).toMatchObject({ name: 'rolling-5m', primarySlValue: null, answerRate: null });
    await reader.disconnect();
    clockOffsetMs = 0;
  });
});

describe('a replay of a past day', () => {
  it('is applied in full, in time order, and can be queried by range', async () => {
    const stack = await createTestStack('replay');
    const redis = stack.redis();
    await redis.connect();
    const store = new WindowStore(redis, { namespace: `t${randomBytes(4).toString('hex')}` });
    const groupId = `${stack.prefix}agg`;
    const aggregator = testAggregator(stack, store);
    try {
      // Three days ago, 07:00 to 09:00 UTC: beyond fine retention, so read at 15-minute precision.
      const day = new Date(Date.now() - 3 * 24 * 3600_000);
      const start = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 7);
      const { truth } = await produceSimulatedRun(stack, { seed: 5, start, durationMs: 120 * MIN });
      await aggregator.start();
      await waitUntilConsumed(stack, groupId);
      for (const q of queueConfig.namedQueues()) {
        const queue = queueConfig.resolve(q.tenantId, q.queueId);
        const live = await readWindow(store, queue, { from: start, to: start + 150 * MIN }, Date.now(), Date.now());
        const oracle = computeOracle(truth, { from: Date.parse(live.from), to: Date.parse(live.to), settings: (t, qq) => queueConfig.resolve(t, qq) }).queues.find((x) => x.tenantId === q.tenantId && x.queueId === q.queueId);
        expect(live.counts, `${q.tenantId}/${q.queueId}`).toEqual(oracle!.counts);
      }
      const stats = await Promise.all(queueConfig.namedQueues().map((q) => store.queueStats(q.tenantId, q.queueId)));
      expect(stats.reduce((n, s) => n + s.late, 0)).toBe(0);
    } finally {
      await aggregator.close();
      await stack.cleanup();
    }
  });
});
