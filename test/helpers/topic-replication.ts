import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { waitFor } from './wait.js';

export interface TopicReplication {
  topic: string;
  /** The replica broker ids of each partition, sorted. */
  replicas: number[][];
  /** The topic's min.insync.replicas (its own, or the broker's default). */
  minInsync: string | undefined;
}

/** How each of `topics` is replicated, as the cluster describes it; in the order given. */
export async function topicReplication(kafka: Kafka, topics: string[]): Promise<TopicReplication[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics });
    // On three brokers a topic just created is not yet known to every broker: the one asked may answer
    // UNKNOWN_TOPIC_OR_PARTITION for a moment (seen in a fresh-clone CI run). Ask again until it knows.
    const configs = await waitFor(
      'the brokers to describe the topics',
      () =>
        admin.describeConfigs({
          includeSynonyms: false,
          resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
        }),
      30_000,
    );
    return topics.map((topic) => ({
      topic,
      replicas: (meta.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => [...p.replicas].sort((a, b) => a - b)),
      minInsync: configs.resources.find((r) => r.resourceName === topic)?.configEntries.find((c) => c.configName === 'min.insync.replicas')?.configValue,
    }));
  } finally {
    await admin.disconnect();
  }
}
