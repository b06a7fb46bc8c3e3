import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import type { CanonicalEvent } from '@callboard/events';
import type { Redis } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { clusterInfo, clusterInfraUp, clusterInfraUpUntilStarted, kafkaClusterNodes, killNine, masterPortOf, redisClusterNodes, waitKafkaClusterHealthy, waitRedisClusterHealthy } from '../helpers/cluster-nodes.js';
import { createTestStack, infra, readTopicsToEnd, type TestStack } from '../helpers/infra.js';
import { killAnOwnerMidStream } from '../helpers/kill-owner.js';
import { excessCopies, expectLiveEqualsOracle, FAULTS, heldDeliveries, runToNow } from '../helpers/oracle-check.js';
import { watchProducerSends } from '../helpers/producer-sends.js';
import { exited, produceSimulatedRun, queueConfig, type SimulatedRun, spawnAggregator, waitUntilConsumed } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue 9's failure tests on the local clusters, with real processes and real kill -9: an
 * aggregator of three, a Redis master, a Kafka broker. They kill shared infrastructure, so they run
 * in their own vitest project (`cluster-failover`), after every other file and one test at a time,
 * and each test leaves the clusters whole again before the next starts.
 */
describe.runIf(infra.redis.mode === 'cluster')('failures on the clusters (real processes, kill -9)', () => {
  let redis: Redis;
  const seedPort = Number(new URL(infra.redis.urls[0]!).port);
  beforeAll(async () => {
    // A run after a failed one: whatever was killed is back, and healthy.
    await clusterInfraUpUntilStarted();
    await waitRedisClusterHealthy();
    const stack = await createTestStack('fo-check');
    await waitKafkaClusterHealthy(stack.kafka).finally(() => stack.cleanup());
  }, 300_000);
  beforeAll(async () => {
    const stack = await createTestStack('fo-redis');
    redis = stack.redis();
    await redis.connect();
    return () => stack.cleanup();
  });

  /** The sum over both topics' partitions of (applied offset + 1) for `group`: grows as the group applies. */
  const appliedTotal = async (store: WindowStore, stack: TestStack, group: string) => {
    let total = 0;
    for (const topic of [stack.topology.callEvents.name, stack.topology.agentEvents.name]) {
      for (let partition = 0; partition < stack.topology.callEvents.partitions; partition += 1) total += ((await store.appliedOffset({ group, topic, partition }))?.offset ?? -1) + 1;
    }
    return total;
  };

  it('live KPIs equal the oracle with three aggregator processes, one killed -9 while it owns partitions, through duplicates and reordering', async () => {
    const stack = await createTestStack('fo-three');
    try {
      await killAnOwnerMidStream(stack, redis, 3, 41);
    } finally {
      await stack.cleanup();
    }
  }, 300_000);

  /** One aggregator process and a paced run with faults, on a fresh stack: what the Redis and Kafka kill tests share. */
  function startPipeline(stack: TestStack, seed: number, onProducer?: (producer: Producer) => void) {
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const group = `${stack.prefix}agg`;
    const store = new WindowStore(redis, { namespace });
    const exits: (number | null)[] = [];
    const child = spawnAggregator(stack, { CB_REDIS_NAMESPACE: namespace, CB_AGGREGATOR_GROUP: group });
    child.once('exit', (code) => exits.push(code));
    const window = runToNow();
    const state = { producing: true };
    const production = produceSimulatedRun(stack, { seed, ...window, faults: FAULTS, speed: 120, ...(onProducer ? { onProducer } : {}) }).finally(() => {
      state.producing = false;
    });
    const applied = () => appliedTotal(store, stack, group);
    return {
      store,
      child,
      state,
      applied,
      /** Waits until the aggregator applied more than `n` records in all, while the run is still being produced. */
      async appliedMidStream(n: number) {
        await waitFor(`the aggregator to apply more than ${n} records`, async () => ((await applied()) > n ? true : undefined), 60_000, 100);
        expect(state.producing).toBe(true);
      },
      /**
       * The whole run produced and consumed; the aggregator, never restarted, stops cleanly (so it rode
       * out the failure on its own); the live KPIs equal the oracle over what was delivered: what the
       * run sent, or what `held` returns (per partition, in offset order).
       */
      async finish(held?: (run: SimulatedRun) => Promise<CanonicalEvent[][]>) {
        const run = await production;
        await waitUntilConsumed(stack, group, 180_000);
        child.kill('SIGTERM');
        await exited(child);
        expect(exits).toEqual([0]);
        await expectLiveEqualsOracle(store, run, window.endAt, held && (await held(run)));
      },
    };
  }

  it('a Redis master killed -9 mid-stream: its replica takes over, the pipeline pauses and resumes, and ends equal to the oracle', async () => {
    const stack = await createTestStack('fo-redis-master');
    let pipeline: ReturnType<typeof startPipeline> | undefined;
    let healed = false;
    try {
      pipeline = startPipeline(stack, 43);
      // The victim: the master of the first named queue's slot, so the kill hits writes of this test.
      const queue = queueConfig.namedQueues()[0]!;
      const queueKey = pipeline.store.keys(queue.tenantId, queue.queueId).offsets;
      const victimPort = await masterPortOf(seedPort, queueKey);
      const nodes = await redisClusterNodes();
      const victim = nodes.find((n) => n.port === victimPort)!;
      const replica = nodes.find((n) => n.role === 'replica' && n.masterPort === victimPort)!;
      expect(victim).toMatchObject({ role: 'master' });
      expect(replica).toBeDefined();

      // Killed once the aggregator has applied records, to the victim's queue too.
      await waitFor('records applied to the victim’s queue', async () => ((await redis.hlen(queueKey)) > 0 ? true : undefined), 60_000, 100);
      await pipeline.appliedMidStream(50);
      await killNine(victim.pid!);

      // The replica is promoted: it says master, and the cluster is whole on the survivors.
      await waitFor('the replica to be promoted', async () => ((await redisClusterNodes()).find((n) => n.port === replica.port)?.role === 'master' ? true : undefined), 60_000, 250);
      await waitFor('cluster_state ok without the killed master', async () => ((await clusterInfo(replica.port)).cluster_state === 'ok' ? true : undefined), 60_000, 250);
      expect(await masterPortOf(replica.port, queueKey)).toBe(replica.port);

      // The pipeline resumes on its own: more is applied after the promotion, and it ends equal to the oracle.
      const afterPromotion = await pipeline.applied();
      await waitFor('the aggregator to apply again', async () => ((await pipeline!.applied()) > afterPromotion ? true : undefined), 60_000, 200);
      await pipeline.finish();

      // The killed node comes back as a replica of its old replica, and the cluster is whole again.
      await clusterInfraUp();
      const after = await waitRedisClusterHealthy();
      healed = true;
      expect(after.find((n) => n.port === victimPort)).toMatchObject({ role: 'replica', masterPort: replica.port });
    } finally {
      pipeline?.child.kill('SIGKILL');
      if (!healed) await clusterInfraUp().then(() => waitRedisClusterHealthy()).catch(() => undefined);
      await stack.cleanup();
    }
  }, 300_000);

  it('a Kafka broker killed -9 mid-stream: no event lost or counted twice, producer and consumers recover on their own', async () => {
    const stack = await createTestStack('fo-broker');
    let pipeline: ReturnType<typeof startPipeline> | undefined;
    let healed = false;
    const admin = stack.kafka.admin();
    await admin.connect();
    try {
      // The victim: the broker leading partition 0 of the call events, so the producer and the consumer both lose a leader.
      const topic = stack.topology.callEvents.name;
      const leader = await waitFor('a leader for the call events’ partition 0', async () => {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        const l = meta.topics[0]?.partitions.find((p) => p.partitionId === 0)?.leader;
        return l !== undefined && l >= 0 ? l : undefined;
      });
      const victim = (await kafkaClusterNodes()).find((n) => n.nodeId === leader)!;
      expect(victim.pid).toBeDefined();
      // Both topics' metadata, once every partition has a leader (a topic just created may not be
      // hosted everywhere yet: "This server does not host this topic-partition").
      const meta = await waitFor('a leader for every partition of both event topics', async () => {
        const m = await admin.fetchTopicMetadata({ topics: [topic, stack.topology.agentEvents.name] });
        return m.topics.length === 2 && m.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0)) ? m : undefined;
      });
      const victimPartitions = new Set(meta.topics.flatMap((t) => t.partitions.filter((p) => p.leader === leader).map((p) => `${t.name}/${p.partitionId}`)));

      let sends: ReturnType<typeof watchProducerSends> | undefined;
      pipeline = startPipeline(stack, 47, (producer) => {
        sends = watchProducerSends(producer, stack.topology);
      });
      await pipeline.appliedMidStream(50);
      // Killed while a produce request to it is unanswered, the case an idempotent producer's retry
      // must get right: frozen (SIGSTOP) at a moment the producer has no send pending, so the next
      // flush's sends are the first it gets; if that flush writes none of its partitions, thawed
      // (SIGCONT, well within the 5 s fencing timeout) and frozen again later; then killed -9.
      const victimPid = victim.pid!;
      const watched = () => sends!;
      try {
        await waitFor('a send to a partition of the frozen broker in flight', async () => {
          if (!watched().idle()) return undefined;
          process.kill(victimPid, 'SIGSTOP');
          const frozenAt = performance.now();
          const flushed = await waitFor('the next flush', () => (watched().startedSince(frozenAt) ? true : undefined), 2_000, 1).catch(() => false);
          if (flushed && watched().pendingTo(victimPartitions, frozenAt)) return true;
          process.kill(victimPid, 'SIGCONT');
          return undefined;
        }, 60_000, 5);
      } finally {
        await killNine(victimPid);
      }
      const killedAt = await pipeline.applied();
      // The partition gets a new leader among the two others (unclean election is off: an in-sync one).
      await waitFor('a new leader for partition 0', async () => {
        const meta = await admin.fetchTopicMetadata({ topics: [topic] });
        const l = meta.topics[0]?.partitions.find((p) => p.partitionId === 0)?.leader;
        return l !== undefined && l >= 0 && l !== leader ? true : undefined;
      }, 60_000, 250);

      // The producer finishes the run (its sends retried on the new leaders) and the consumer goes on.
      // The oracle is taken over what the topics hold: every event sent is there, and a record a
      // producer retry wrote twice is an at-least-once delivery the store counts as the oracle does.
      await pipeline.finish(async (run) => {
        const held = await readTopicsToEnd(stack, [topic, stack.topology.agentEvents.name]);
        const events = held.flatMap((r) => (r.event ? [r.event] : []));
        expect(excessCopies(run.delivered, events), 'events sent that the topics do not hold').toEqual([]);
        return heldDeliveries(held);
      });
      expect(await pipeline.applied()).toBeGreaterThan(killedAt);

      // The killed broker is back: every partition of this run's topics has its three replicas in sync again.
      await clusterInfraUpUntilStarted();
      await waitKafkaClusterHealthy(stack.kafka);
      healed = true;
      await waitFor('this run’s partitions with three in-sync replicas', async () => {
        const after = await admin.fetchTopicMetadata({ topics: [topic, stack.topology.agentEvents.name] });
        const isr = after.topics.flatMap((t) => t.partitions.map((p) => p.isr.length));
        return isr.length === stack.topology.callEvents.partitions + stack.topology.agentEvents.partitions && isr.every((n) => n === 3) ? true : undefined;
      }, 120_000, 500);
    } finally {
      pipeline?.child.kill('SIGKILL');
      await admin.disconnect();
      if (!healed) await clusterInfraUpUntilStarted().then(() => waitKafkaClusterHealthy(stack.kafka)).catch(() => undefined);
      await stack.cleanup();
    }
  }, 480_000);
});
