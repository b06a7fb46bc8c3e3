import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type CanonicalEvent, inputTopics } from '@callboard/events';
import { WindowStore } from '@callboard/windows';
import { createPrng } from '../../packages/kpi/test/helpers/prng.js';
import { compareWave2, wave2Events } from '../../packages/windows/test/wave2-scenario.js';
import type { TestStack } from '../helpers/infra.js';
import { exited, queueConfig, spawnAggregator, waitUntilConsumed } from '../helpers/pipeline.js';
import { suiteStack } from '../helpers/suite-stack.js';
import { waitFor } from '../helpers/wait.js';

const MIN = 60_000;

/** Sends events to their topics (eventRoute, through the stack's codec), in the given order. */
async function produce(stack: TestStack, events: readonly CanonicalEvent[]): Promise<void> {
  const producer = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (const event of events) {
      const record = await stack.codec.encodeEvent(event);
      await producer.send({ topic: record.topic, messages: [{ key: record.key, value: record.value }] });
    }
  } finally {
    await producer.disconnect();
  }
}

/*
 * Issue 11: the wave 2 KPIs (outbound, first response, surveys, complaints, repeat-contact FCR)
 * through the real pipeline: events produced to the call and feedback topics, an aggregator
 * process applying them, killed with SIGKILL once it has applied some, a new one finishing the
 * run. Every counter of every queue (fcrPending included), the tenant level and the complaint
 * live state then equal the oracle over the distinct events.
 */
describe('live == oracle for the wave 2 KPIs through Kafka and the aggregator, with kill -9', () => {
  const suite = suiteStack('lw2');

  it('survives a kill -9 mid-run: duplicates, reordering within 5 min, a restart', async () => {
    const stack = suite.stack;
    const redis = stack.redis();
    await redis.connect();
    let child: ChildProcess | undefined;
    try {
      const nowMs = Math.floor(Date.now() / 1000) * 1000;
      const t0 = nowMs - 70 * MIN;
      const events = wave2Events(7, { t0, scale: 4, compact: true });
      // Each event maybe twice, in time order with up to 5 min of jitter: reordered, never late (grace 2 h).
      const random = createPrng(77);
      const deliveries = events
        .flatMap((e) => (random() < 0.15 ? [e, e] : [e]))
        .map((e) => ({ e, at: Date.parse(e.occurredAt) + random() * 5 * MIN }))
        .sort((a, b) => a.at - b.at)
        .map((d) => d.e);
      const namespace = `t${randomBytes(4).toString('hex')}`;
      const group = `${stack.prefix}agg`;
      const env = { CB_REDIS_NAMESPACE: namespace, CB_AGGREGATOR_GROUP: group };
      const store = new WindowStore(redis, { namespace });
      const applied = async () => {
        let total = 0;
        for (const topic of inputTopics(stack.topology)) {
          for (let partition = 0; partition < topic.partitions; partition += 1) total += ((await store.appliedOffset({ group, topic: topic.name, partition }))?.offset ?? -1) + 1;
        }
        return total;
      };

      child = spawnAggregator(stack, env);
      const half = Math.floor(deliveries.length / 2);
      await produce(stack, deliveries.slice(0, half));
      await waitFor('the aggregator to apply events', async () => ((await applied()) > 0 ? true : undefined), 60_000, 100);
      child.kill('SIGKILL');
      await exited(child);
      expect(child.signalCode).toBe('SIGKILL');
      const atKill = await applied();

      child = spawnAggregator(stack, env);
      await produce(stack, deliveries.slice(half));
      await waitUntilConsumed(stack, group, 180_000);
      child.kill('SIGTERM');
      await exited(child);
      expect(await applied()).toBeGreaterThan(atKill);

      const { live, oracle } = await compareWave2(store, events, {
        t0,
        nowMs,
        tenantSettings: queueConfig.tenantSettings('acme'),
        settings: (tenantId, queueId) => queueConfig.resolve(tenantId, queueId),
      });
      expect(live).toEqual(oracle);
      // Not a vacuous comparison: the run has every kind of wave 2 traffic.
      const sum = (field: string) => Object.values(live.queues).reduce((n, c) => n + (c as unknown as Record<string, number>)[field]!, 0);
      for (const field of ['outboundAttempts', 'outboundConnected', 'firstResponses', 'surveys', 'complaintsFiled', 'complaintsResponded', 'fcrContacts', 'fcrRepeated', 'fcrPending']) expect(sum(field), field).toBeGreaterThan(0);
      expect(live.complaints['*']!.complaintsOpen).toBeGreaterThan(0);
    } finally {
      child?.kill('SIGKILL');
      await redis.quit();
    }
  }, 300_000);
});
