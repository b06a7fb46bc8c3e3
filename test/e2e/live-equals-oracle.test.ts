import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { killAnOwnerMidStream } from '../helpers/kill-owner.js';
import { expectLiveEqualsOracle, FAULTS, runToNow } from '../helpers/oracle-check.js';
import { exited, produceSimulatedRun, spawnAggregator, testAggregator, waitUntilConsumed } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

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
    const window = runToNow();
    const run = await produceSimulatedRun(stack, { seed: 11, ...window, faults: FAULTS });
    expect(run.truth.length).toBeGreaterThan(1000);
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
    await expectLiveEqualsOracle(store, run, window.endAt);
  });

  it('through kill -9 of the aggregator at three random points, and restarts', async () => {
    const crashStack = await createTestStack('crash');
    let child: ChildProcess | undefined;
    let releaseAll = (): void => undefined;
    try {
      const namespace = `t${randomBytes(4).toString('hex')}`;
      const env = { CB_REDIS_NAMESPACE: namespace, CB_AGGREGATOR_GROUP: `${crashStack.prefix}agg` };
      child = spawnAggregator(crashStack, env);
      // Produce while the aggregator runs, paced so the kills land mid-stream. Production waits at a
      // quarter, a half and three quarters of the run until the next restart has been spawned, so each
      // restarted instance has records to apply even when restarts are slow (a loaded CI machine once
      // took so long that the run had ended and the next wait for an apply timed out).
      const window = runToNow();
      const restarts = [0, 1, 2].map(() => {
        let release!: () => void;
        const until = new Promise<void>((resolve) => (release = resolve));
        return { until, release };
      });
      releaseAll = () => restarts.forEach((r) => r.release());
      const gates = restarts.map((r, i) => ({ at: window.start + ((i + 1) * window.durationMs) / 4, until: r.until }));
      const producing = produceSimulatedRun(crashStack, { seed: 23, ...window, faults: FAULTS, speed: 240, gates });
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
        // Kill only once this instance has applied something.
        const before = await applied();
        await waitFor('the aggregator to apply events', async () => ((await applied()) > before ? true : undefined), 60_000, 100);
        // Not a wait for anything: a random gap, so the kill lands at a random point of a batch.
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 1_500)));
        child.kill('SIGKILL');
        await exited(child);
        kills.push(await applied());
        child = spawnAggregator(crashStack, env);
        restarts[i]!.release();
      }
      const run = await producing;
      await waitUntilConsumed(crashStack, env.CB_AGGREGATOR_GROUP, 180_000);
      child.kill('SIGTERM');
      await exited(child);
      // Each kill came after more had been applied than at the one before.
      expect(kills).toHaveLength(3);
      expect(kills[0]).toBeGreaterThan(0);
      expect(kills[2]).toBeGreaterThan(kills[0]!);
      await expectLiveEqualsOracle(store, run, window.endAt);
    } finally {
      releaseAll();
      child?.kill('SIGKILL');
      await crashStack.cleanup();
    }
  }, 300_000);

  it('through a rebalance: kill -9 of one of two instances while it owns partitions, mid-stream', async () => {
    const rbStack = await createTestStack('rebalance');
    try {
      await killAnOwnerMidStream(rbStack, redis, 2, 31);
    } finally {
      await rbStack.cleanup();
    }
  }, 300_000);
});
