import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '@callboard/events';
import type { Redis } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { compareWithOracle, exited, produceSimulatedRun, queueConfig, spawnAggregator, waitUntilConsumed, testAggregator } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

const MIN = 60_000;
const FAULTS = { duplicates: 0.05, reorder: 0.05, reorderWindowMs: 10 * MIN, corrupt: 0.01 };

/** A simulated hour over 6 queues that ended a few minutes ago, so every window holds part of it. */
function runWindow(): { start: number; durationMs: number } {
  const start = Math.floor((Date.now() - 80 * MIN) / 1000) * 1000;
  return { start, durationMs: 60 * MIN };
}

function wholeRun(truth: CanonicalEvent[]): { from: number; to: number } {
  const times = truth.map((e) => Date.parse(e.occurredAt));
  return { from: Math.min(...times), to: Math.max(...times) + 1 };
}

describe('live KPIs equal the offline oracle', () => {
  let stack: TestStack;
  let redis: Redis;
  beforeAll(async () => {
    stack = await createTestStack('live');
    redis = stack.redis();
    await redis.connect();
  });
  afterAll(async () => stack?.cleanup());

  it('through 5 % duplicates, 5 % reordering within 10 min and 1 % corrupt records', async () => {
    const truth = await produceSimulatedRun(stack, { seed: 11, ...runWindow(), faults: FAULTS });
    expect(truth.length).toBeGreaterThan(1000);
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const store = new WindowStore(redis, { namespace });
    const groupId = `${stack.prefix}agg`;
    const aggregator = testAggregator(stack, store);
    await aggregator.start();
    try {
      await waitUntilConsumed(stack, groupId);
    } finally {
      await aggregator.close();
    }
    const { mismatches, compared } = await compareWithOracle(store, truth, Date.now(), wholeRun(truth));
    expect(compared).toBe(6 * 7);
    expect(mismatches).toEqual([]);
    // Duplicates were seen and skipped, not counted.
    const stats = await Promise.all(queueConfig.namedQueues().map((q) => store.queueStats(q.tenantId, q.queueId)));
    expect(stats.reduce((n, s) => n + s.duplicates, 0)).toBeGreaterThan(0);
    expect(stats.reduce((n, s) => n + s.anomalies, 0)).toBe(0);
  });

  it('through kill -9 of the aggregator at three random points, and restarts', async () => {
    const crashStack = await createTestStack('crash');
    try {
      const namespace = `t${randomBytes(4).toString('hex')}`;
      const env = { CB_REDIS_NAMESPACE: namespace, CB_AGGREGATOR_GROUP: `${crashStack.prefix}agg` };
      let child = spawnAggregator(crashStack, env);
      // Produce while the aggregator runs, paced so the kills land mid-stream.
      const producing = produceSimulatedRun(crashStack, { seed: 23, ...runWindow(), faults: FAULTS, speed: 240 });
      const store = new WindowStore(redis, { namespace });
      const applied = async () => {
        let total = 0;
        for (const topic of [crashStack.topology.callEvents.name, crashStack.topology.agentEvents.name]) {
          for (let partition = 0; partition < 6; partition += 1) total += ((await store.appliedOffset({ group: env.CB_AGGREGATOR_GROUP, topic, partition }))?.offset ?? -1) + 1;
        }
        return total;
      };
      const kills: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        // Kill only once this instance has applied something, then at a random point after.
        const before = await applied();
        await waitFor('the aggregator to apply events', async () => ((await applied()) > before ? true : undefined), 60_000, 100);
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1_500)));
        child.kill('SIGKILL');
        await exited(child);
        kills.push(await applied());
        child = spawnAggregator(crashStack, env);
      }
      const truth = await producing;
      await waitUntilConsumed(crashStack, env.CB_AGGREGATOR_GROUP, 180_000);
      child.kill('SIGTERM');
      await exited(child);
      const { mismatches } = await compareWithOracle(store, truth, Date.now(), wholeRun(truth));
      // Each kill came after more had been applied than at the one before.
      expect(kills).toHaveLength(3);
      expect(kills[0]).toBeGreaterThan(0);
      expect(kills[2]).toBeGreaterThan(kills[0]!);
      expect(mismatches).toEqual([]);
    } finally {
      await crashStack.cleanup();
    }
  }, 300_000);

  it('through a rebalance: two instances in one group, one stopped mid-run', async () => {
    const rbStack = await createTestStack('rebalance');
    try {
      const namespace = `t${randomBytes(4).toString('hex')}`;
      const env = { CB_REDIS_NAMESPACE: namespace, CB_AGGREGATOR_GROUP: `${rbStack.prefix}agg` };
      const first = spawnAggregator(rbStack, env);
      const second = spawnAggregator(rbStack, env);
      const producing = produceSimulatedRun(rbStack, { seed: 31, ...runWindow(), faults: FAULTS, speed: 240 });
      await new Promise((r) => setTimeout(r, 6_000));
      second.kill('SIGTERM');
      await exited(second);
      const truth = await producing;
      await waitUntilConsumed(rbStack, env.CB_AGGREGATOR_GROUP, 180_000);
      first.kill('SIGTERM');
      await exited(first);
      const store = new WindowStore(redis, { namespace });
      const { mismatches } = await compareWithOracle(store, truth, Date.now(), wholeRun(truth));
      expect(mismatches).toEqual([]);
    } finally {
      await rbStack.cleanup();
    }
  }, 300_000);
});
