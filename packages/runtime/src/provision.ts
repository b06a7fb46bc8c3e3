import type { Kafka } from 'kafkajs';
import { CallboardError, retry } from '@callboard/errors';
import { type EventCodec, topologyTopics } from '@callboard/events';
import type { Logger } from './logger.js';

/** Replication of a topic on a cluster of `brokers`: what each topic gets and when acks=all succeeds. */
export interface Replication {
  replicationFactor: number;
  /** Replicas that must have a record before an acks=all write succeeds. */
  minInsyncReplicas: number;
}

/**
 * Up to three copies of every record, and acks=all waits for all but one of them (at least one): one
 * broker may die without losing an acknowledged record or stopping producers (issue 9). One broker: 1
 * and 1, as before.
 * @param brokers - the brokers the cluster description lists
 */
export function replicationFor(brokers: number): Replication {
  const replicationFactor = Math.max(1, Math.min(3, brokers));
  return { replicationFactor, minInsyncReplicas: Math.max(1, replicationFactor - 1) };
}

/**
 * Creates every topic of the codec's topology that does not exist yet and registers every schema with BACKWARD
 * compatibility. Safe to run any number of times. Existing topics are left as they are, but a partition
 * count below the declared one, or fewer replicas than the cluster's size calls for, is reported. The
 * replication factor and `min.insync.replicas` follow the broker count ({@link replicationFor}).
 */
export async function provision(kafka: Kafka, codec: EventCodec, logger: Logger): Promise<{ created: string[]; schemas: Map<string, number> }> {
  const topics = topologyTopics(codec.topology);
  const log = logger.child({ module: 'provision' });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    const { brokers } = await admin.describeCluster();
    const replication = replicationFor(brokers.length);
    // Only a replicated topic names its own minimum; a one-broker topic keeps the broker's default.
    const replicated = replication.replicationFactor > 1 ? { 'min.insync.replicas': String(replication.minInsyncReplicas) } : {};
    if (missing.length > 0) {
      // Leaders are awaited below, not by kafkajs: its wait can fail with "does not host this
      // topic-partition" while a just-created topic's metadata spreads, though the topic exists.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: replication.replicationFactor,
          configEntries: Object.entries({ ...t.config, ...replicated }).map(([name, value]) => ({ name, value })),
        })),
      });
      await retry(
        async () => {
          const meta = await admin.fetchTopicMetadata({ topics: missing.map((t) => t.name) });
          const leaderless = meta.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
          if (leaderless.length > 0) throw new CallboardError('CB_KAFKA_UNAVAILABLE', `no leader yet for ${leaderless.map((t) => t.name).join(', ')}`, { retriable: true });
        },
        { attempts: 40, initialDelayMs: 100, maxDelayMs: 1000, retriable: () => true },
      );
    }
    const present = topics.filter((t) => existing.has(t.name));
    if (present.length > 0) {
      const meta = await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
      for (const t of meta.topics) {
        const declared = topics.find((d) => d.name === t.name)!;
        if (t.partitions.length < declared.partitions) log.warn({ topic: t.name, actual: t.partitions.length, declared: declared.partitions }, 'topic has fewer partitions than declared');
        const replicas = Math.min(...t.partitions.map((p) => p.replicas.length));
        if (replicas < replication.replicationFactor) log.warn({ topic: t.name, replicas, wanted: replication.replicationFactor, brokers: brokers.length }, 'topic has fewer replicas than the cluster calls for');
      }
    }
    for (const t of missing) log.info({ topic: t.name, partitions: t.partitions, ...replication }, 'topic created');
    const schemas = await codec.registerAll();
    for (const [subject, id] of schemas) log.info({ subject, id }, 'schema registered');
    return { created: missing.map((t) => t.name), schemas };
  } finally {
    await admin.disconnect();
  }
}
