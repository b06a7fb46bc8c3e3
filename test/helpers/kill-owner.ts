import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { inputTopics } from '@callboard/events';
import { WindowStore } from '@callboard/windows';
import { describeAssignment, waitAppliedOnOwned, waitShared, waitSoleMember, waitSurvivorsOwnAll } from './consumer-group.js';
import type { TestStack } from './infra.js';
import { expectLiveEqualsOracle, FAULTS, runToNow } from './oracle-check.js';
import { exited, produceSimulatedRun, spawnAggregator, waitUntilConsumed } from './pipeline.js';

/**
 * The kill -9 of an aggregator process that provably owns partitions, mid-stream (issue 8 item 18,
 * issue 9's failure tests): `instances` aggregator processes join one group, a paced simulated run
 * with faults flows, the victim is killed once Redis shows it applied records on a partition it still
 * owns, the others take every partition, and live KPIs must equal the oracle at the end.
 *
 * @param stack - a fresh test stack (topics, registry, Kafka); the caller cleans it up
 * @param redis - the Redis the store and the processes use (single node or Cluster, as the environment says)
 * @param instances - aggregator processes in the group, the victim included (at least 2)
 * @param seed - simulator seed
 */
export async function killAnOwnerMidStream(stack: TestStack, redis: ConstructorParameters<typeof WindowStore>[0], instances: number, seed: number): Promise<void> {
  const admin = stack.kafka.admin();
  await admin.connect();
  const children: ChildProcess[] = [];
  try {
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const groupId = `${stack.prefix}agg`;
    const env = { CB_REDIS_NAMESPACE: namespace, CB_AGGREGATOR_GROUP: groupId };
    const store = new WindowStore(redis, { namespace });
    const partitionCount = inputTopics(stack.topology).reduce((n, t) => n + t.partitions, 0);

    // The victim joins alone first, so the group's one member is it: that is how its member id is known.
    const victim = spawnAggregator(stack, env);
    children.push(victim);
    const victimId = await waitSoleMember(admin, groupId, partitionCount);
    for (let i = 1; i < instances; i += 1) children.push(spawnAggregator(stack, env));
    const owned = await waitShared(admin, groupId, instances, victimId);

    const window = runToNow();
    let producing = true;
    const production = produceSimulatedRun(stack, { seed, ...window, faults: FAULTS, speed: 120 }).finally(() => {
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

    // The coordinator drops the dead member after its session timeout; the others then own everything.
    await waitSurvivorsOwnAll(admin, groupId, victimId, instances - 1, partitionCount);
    const run = await production;
    await waitUntilConsumed(stack, groupId, 180_000);
    for (const c of children.slice(1)) c.kill('SIGTERM');
    await Promise.all(children.map(exited));
    // The survivors went on where the victim stopped.
    expect(await offset(moved)).toBeGreaterThan(offsetAtKill);
    await expectLiveEqualsOracle(store, run, window.endAt);
  } finally {
    for (const c of children) c.kill('SIGKILL');
    await admin.disconnect();
  }
}
