import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry, type Redis, type Registry } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { expectLiveEqualsOracle, FAULTS, runToNow } from '../../../test/helpers/oracle-check.js';
import { produceSimulatedRun, testAggregator, waitUntilConsumed } from '../../../test/helpers/pipeline.js';

async function eventCounts(metrics: Registry): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.getSingleMetric('callboard_aggregator_events_total')!.get()).values) out[String(v.labels.result)] = v.value;
  return out;
}

/**
 * The aggregator hands the store each partition batch in chunks as they decode (issue 9 item 5): with
 * chunks far smaller than a batch, refused records inside chunks and duplicates on both sides of
 * chunk boundaries, every event is applied exactly once, and a second pass over the same records cut
 * at other boundaries changes nothing.
 */
describe('the aggregator applying in chunks', () => {
  let stack: TestStack;
  let redis: Redis;
  beforeAll(async () => {
    stack = await createTestStack('chunked');
    redis = stack.redis();
    await redis.connect();
  });
  afterAll(async () => stack?.cleanup());

  it('equals the oracle in chunks of 7 through duplicates, reordering and corrupt records, and again after every record is redelivered in chunks of 5', async () => {
    const window = runToNow();
    const run = await produceSimulatedRun(stack, { seed: 77, ...window, faults: FAULTS });
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const groupId = `${stack.prefix}agg`;
    /** One aggregator process's life, with a store of its own: start, consume everything, stop; its event counts. */
    const consumeAll = async (chunkSize: number): Promise<Record<string, number>> => {
      const metrics = createMetricsRegistry('test');
      const aggregator = testAggregator(stack, new WindowStore(redis, { namespace }), { chunkSize, metrics });
      await aggregator.start();
      try {
        await waitUntilConsumed(stack, groupId);
      } finally {
        await aggregator.close();
      }
      return eventCounts(metrics);
    };

    const once = await consumeAll(7);
    // Duplicates were met (within chunks and across their boundaries) and skipped.
    expect(once.duplicate).toBeGreaterThan(0);
    expect(once.redelivered ?? 0).toBe(0);
    const store = new WindowStore(redis, { namespace });
    await expectLiveEqualsOracle(store, run, window.endAt);

    // Every record again, from offset 0, cut into chunks at other offsets: each is skipped per queue.
    const admin = stack.kafka.admin();
    await admin.connect();
    try {
      for (const topic of [stack.topology.callEvents.name, stack.topology.agentEvents.name]) await admin.resetOffsets({ groupId, topic, earliest: true });
    } finally {
      await admin.disconnect();
    }
    const twice = await consumeAll(5);
    expect(twice.applied ?? 0).toBe(0);
    expect(twice.redelivered).toBe((once.applied ?? 0) + (once.duplicate ?? 0) + (once.anomaly ?? 0) + (once.late ?? 0));
    await expectLiveEqualsOracle(store, run, window.endAt);
  }, 180_000);
});
