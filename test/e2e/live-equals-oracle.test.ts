import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { describeAssignment, waitAppliedOnOwned, waitShared, waitSoleMember, waitSurvivorsOwnAll } from '../helpers/consumer-group.js';
import { createTestStack, type TestStack } from '../helpers/infra.js';
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
    try {
      const namespace = `t${randomBytes(4).toString('hex')}`;
      const env = { CB_REDIS_NAMESPACE: namespace, CB_AGGREGATOR_GROUP: `${crashStack.prefix}agg` };
      child = spawnAggregator(crashStack, env);
      // Produce while the aggregator runs, paced so the kills land mid-stream.
      const window = runToNow();
      const producing = produceSimulatedRun(crashStack, { seed: 23, ...window, faults: FAULTS, speed: 240 });
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
      child?.kill('SIGKILL');
      await crashStack.cleanup();
    }
  }, 300_000);

  it('through a rebalance: kill -9 of one of two instances while it owns partitions, mid-stream', async () => {
    const rbStack = await createTestStack('rebalance');
    const admin = rbStack.kafka.admin();
    await admin.connect();
    const children: ChildProcess[] = [];
    try {
      const namespace = `t${randomBytes(4).toString('hex')}`;
      const groupId = `${rbStack.prefix}agg`;
      const env = { CB_REDIS_NAMESPACE: namespace, CB_AGGREGATOR_GROUP: groupId };
      const store = new WindowStore(redis, { namespace });
      const partitionCount = rbStack.topology.callEvents.partitions + rbStack.topology.agentEvents.partitions;

      // The victim joins alone first, so the group's one member is it: that is how its member id is known.
      const victim = spawnAggregator(rbStack, env);
      children.push(victim);
      const victimId = await waitSoleMember(admin, groupId, partitionCount);
      const survivor = spawnAggregator(rbStack, env);
      children.push(survivor);
      const owned = await waitShared(admin, groupId, 2, victimId);

      const window = runToNow();
      let producing = true;
      const production = produceSimulatedRun(rbStack, { seed: 31, ...window, faults: FAULTS, speed: 120 }).finally(() => {
        producing = false;
      });
      const offset = async (p: { topic: string; partition: number }) => (await store.appliedOffset({ group: groupId, ...p }))?.offset ?? -1;
      const moved = await waitAppliedOnOwned(owned, offset);
      // At the kill the partition is still the victim's, and the stream still flows.
      const atKill = await describeAssignment(admin, groupId);
      expect(atKill.members.find((m) => m.memberId === victimId)?.partitions).toContainEqual(moved);
      expect(producing).toBe(true);
      victim.kill('SIGKILL');
      await exited(victim);
      expect(victim.signalCode).toBe('SIGKILL');
      const offsetAtKill = await offset(moved);

      // The coordinator drops the dead member after its session timeout; the survivor then owns everything.
      await waitSurvivorsOwnAll(admin, groupId, victimId, 1, partitionCount);
      const run = await production;
      await waitUntilConsumed(rbStack, groupId, 180_000);
      survivor.kill('SIGTERM');
      await exited(survivor);
      // The survivor went on where the victim stopped.
      expect(await offset(moved)).toBeGreaterThan(offsetAtKill);
      await expectLiveEqualsOracle(store, run, window.endAt);
    } finally {
      for (const c of children) c.kill('SIGKILL');
      await admin.disconnect();
      await rbStack.cleanup();
    }
  }, 300_000);
});
