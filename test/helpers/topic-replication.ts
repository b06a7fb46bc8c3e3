import { ConfigResourceTypes, type Kafka } from 'kafkajs';

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
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['min.insync.replicas'] })),
    });
    return topics.map((topic) => ({
      topic,
      replicas: (meta.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => [...p.replicas].sort((a, b) => a - b)),
      minInsync: configs.resources.find((r) => r.resourceName === topic)?.configEntries.find((c) => c.configName === 'min.insync.replicas')?.configValue,
    }));
  } finally {
    await admin.disconnect();
  }
}
