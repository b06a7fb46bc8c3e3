import type { Kafka } from 'kafkajs';
import { CallboardError, retry } from '@callboard/errors';
import { type EventCodec, topologyTopics } from '@callboard/events';
import type { Logger } from './logger.js';

/**
 * Creates every topic of the codec's topology that does not exist yet and registers every schema with BACKWARD
 * compatibility. Safe to run any number of times. Existing topics are left as they are, but a partition
 * count below the declared one is reported.
 */
export async function provision(kafka: Kafka, codec: EventCodec, logger: Logger): Promise<{ created: string[]; schemas: Map<string, number> }> {
  const topics = topologyTopics(codec.topology);
  const log = logger.child({ module: 'provision' });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      // Leaders are awaited below, not by kafkajs: its wait can fail with "does not host this
      // topic-partition" while a just-created topic's metadata spreads, though the topic exists.
      await admin.createTopics({
        waitForLeaders: false,
        topics: missing.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: 1,
          configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
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
      }
    }
    for (const t of missing) log.info({ topic: t.name, partitions: t.partitions }, 'topic created');
    const schemas = await codec.registerAll();
    for (const [subject, id] of schemas) log.info({ subject, id }, 'schema registered');
    return { created: missing.map((t) => t.name), schemas };
  } finally {
    await admin.disconnect();
  }
}
