import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent, type CanonicalEventInput } from '@callboard/events';
import { QueueConfig } from '@callboard/queue-config';
import type { Redis } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { createTestStack, type DecodedRecord, readBack, type TestStack } from '../../../test/helpers/infra.js';
import { testAggregator, waitUntilConsumed } from '../../../test/helpers/pipeline.js';
import type { Aggregator } from '../src/index.js';

/**
 * The aggregator publishes a tenant total (`<tenant>/*`, queueId null) of every active tenant each
 * tick, a tenant with only complaints included (issue 11, decision 0010 §6), through the real Kafka,
 * registry and Redis.
 */
describe('tenant-total snapshots (real Kafka, registry and Redis)', () => {
  let stack: TestStack;
  let redis: Redis;
  let aggregator: Aggregator;
  const queues = QueueConfig.parse({ tenants: { calls: { timeZone: 'Asia/Shanghai', subscribers: 40_000, queues: { idle: {} } } } });

  beforeAll(async () => {
    stack = await createTestStack('agg-totals');
    redis = stack.redis();
    await redis.connect();
    const store = new WindowStore(redis, { namespace: `t-tot-${randomBytes(4).toString('hex')}` });
    const at = Date.now() - 120_000;
    const iso = (offsetMs: number) => new Date(at + offsetMs).toISOString();
    const events = [
      { eventId: 'o1', tenantId: 'calls', queueId: 'q1', type: 'call.offered', callId: 'c1', occurredAt: iso(0), channel: 'voice', direction: 'inbound' },
      { eventId: 'a1', tenantId: 'calls', queueId: 'q1', type: 'call.answered', callId: 'c1', occurredAt: iso(5_000), agentId: 'ag1', waitMs: 5_000 },
      { eventId: 'o2', tenantId: 'calls', queueId: 'q2', type: 'call.offered', callId: 'c2', occurredAt: iso(1_000), channel: 'voice', direction: 'inbound' },
      { eventId: 'b2', tenantId: 'calls', queueId: 'q2', type: 'call.abandoned', callId: 'c2', occurredAt: iso(21_000), waitMs: 20_000 },
      { eventId: 'f1', tenantId: 'calls', queueId: 'q1', type: 'complaint.filed', complaintId: 'k1', occurredAt: iso(30_000), channel: 'voice', category: 'billing', severity: 'normal' },
      // A tenant with only a queue-less complaint still gets its total.
      { eventId: 'f2', tenantId: 'quiet', type: 'complaint.filed', complaintId: 'k2', occurredAt: iso(40_000), channel: 'email', category: 'service', severity: 'urgent' },
    ].map((e) => parseEvent(e as CanonicalEventInput));
    const producer = stack.kafka.producer();
    await producer.connect();
    for (const event of events) {
      const { topic, key, value } = await stack.codec.encodeEvent(event);
      await producer.send({ topic, messages: [{ key, value }] });
    }
    await producer.disconnect();
    aggregator = testAggregator(stack, store, { queues, snapshotIntervalMs: 3_600_000 });
    await aggregator.start();
    await waitUntilConsumed(stack, `${stack.prefix}agg`);
  });
  afterAll(async () => {
    await aggregator?.close();
    redis?.disconnect();
    await stack?.cleanup();
  });

  it('publishes <tenant>/* with the sums of the tenant’s queues, its complaints and month, beside the queue snapshots', async () => {
    expect(await aggregator.publishSnapshots()).toBe(5);
    const byKey = (records: DecodedRecord[]) => new Map(records.map((r) => [r._key, r]));
    const records = byKey(await readBack(stack, stack.topology.kpi.name, (rs) => byKey(rs).size >= 5));
    expect([...records.keys()].sort()).toEqual(['calls/*', 'calls/idle', 'calls/q1', 'calls/q2', 'quiet/*']);

    const total = records.get('calls/*')!;
    // A null queueId is left out of the decoded JSON (top-level nulls are dropped): that is the total.
    expect(total.queueId).toBeUndefined();
    expect(total.planning).toBeUndefined();
    const window = (r: DecodedRecord, name: string) => (r.windows as { name: string; counts: Record<string, number>; [k: string]: unknown }[]).find((w) => w.name === name)!;
    expect(window(total, 'rolling-15m').counts).toMatchObject({ offered: 2, answered: 1, abandoned: 1, maxWaitMs: 20_000, complaintsFiled: 1 });
    expect(window(total, 'rolling-15m')).toMatchObject({ answerRate: 0.5, complaintsPer10k: 10_000, complaintsPer10kSubscribers: 0.25 });
    expect(total.live).toMatchObject({ callsWaiting: 0, complaintsOpen: 1, complaintsOverdue: 0 });
    expect(total.monthToDate).toMatchObject({ complaintsFiled: 1, complaintsPer10kSubscribers: 0.25 });
    expect(records.get('calls/q1')!.monthToDate).toMatchObject({ complaintsFiled: 1 });
    expect(records.get('calls/q2')!.monthToDate).toMatchObject({ complaintsFiled: 0 });
    expect(window(records.get('calls/q1')!, 'rolling-15m').counts).toMatchObject({ offered: 1, complaintsFiled: 1 });

    const quiet = records.get('quiet/*')!;
    expect(window(quiet, 'rolling-15m').counts).toMatchObject({ offered: 0, complaintsFiled: 1 });
    expect(quiet.live).toMatchObject({ complaintsOpen: 1, complaintsOverdue: 0 });
    expect(quiet.monthToDate).toMatchObject({ complaintsFiled: 1, complaintsPer10kSubscribers: null });
  });
});
