import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { createSchemaRegistry, createTopology, EventCodec, topologyTopics, valueSubject, type Topology } from '@callboard/events';
import { createKafka, createRedis, createRootLogger, loadInfraConfig, provision, readEnv, type InfraConfig, type Logger, type Redis, type RedisClient } from '@callboard/runtime';

export const infra: InfraConfig = loadInfraConfig(readEnv());
// Tests provoke refusals and outages on purpose; only errors are worth a line in the CI log.
export const testLogger: Logger = createRootLogger({ name: 'test', level: 'error', destination: process.stderr });

/** A prefix no other test shares: topics, groups, subjects and Redis keys all carry it. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}.`;
}

export interface TestStack {
  prefix: string;
  topology: Topology;
  kafka: Kafka;
  codec: EventCodec;
  logger: Logger;
  /**
   * A client of the test Redis: one node, or the Cluster when CB_REDIS_MODE=cluster. Typed as one
   * node while WindowStore and the tests that hand it one still take only that (issue 9: the store's
   * per-slot calls land separately); the alerter and gateway take either.
   */
  redis(): Redis;
  /** Deletes the topics and schema subjects this stack made, and closes its connections. */
  cleanup(): Promise<void>;
}

/** Real Kafka topics and registry subjects under a fresh prefix, provisioned like production. */
export async function createTestStack(label: string): Promise<TestStack> {
  const prefix = uniquePrefix(label);
  const topology = createTopology(prefix);
  const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: `test-${label}`, logger: testLogger });
  const codec = new EventCodec(createSchemaRegistry(infra.registryUrl), { topology });
  await provision(kafka, codec, testLogger);
  const redisClients: RedisClient[] = [];
  return {
    prefix,
    topology,
    kafka,
    codec,
    logger: testLogger,
    redis() {
      const r = createRedis(infra.redis, testLogger);
      redisClients.push(r);
      return r as Redis;
    },
    async cleanup() {
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.deleteTopics({ topics: topologyTopics(topology).map((t) => t.name) });
      } finally {
        await admin.disconnect();
      }
      for (const t of topologyTopics(topology)) {
        const subject = valueSubject(t.name);
        await fetch(`${infra.registryUrl}/subjects/${encodeURIComponent(subject)}`, { method: 'DELETE' }).catch(() => undefined);
      }
      await Promise.all(redisClients.map((r) => r.quit().catch(() => undefined)));
    },
  };
}

/** A record read back from a topic through the registry, with its key as `_key`. */
export type DecodedRecord = Record<string, unknown> & { _key?: string };

/**
 * Reads `topic` from the beginning with a throwaway group, decoding through the registry, until
 * `done` says the records seen are enough (or the time runs out); returns them.
 */
export async function readBack(stack: TestStack, topic: string, done: (records: DecodedRecord[]) => boolean, timeoutMs = 30_000): Promise<DecodedRecord[]> {
  const records: DecodedRecord[] = [];
  const consumer = stack.kafka.consumer({ groupId: `${stack.prefix}reader-${randomBytes(3).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const d = await stack.codec.decode(message.value);
      if (d.ok) records.push({ ...d.value, ...(message.key ? { _key: message.key.toString() } : {}) });
    },
  });
  try {
    const deadline = Date.now() + timeoutMs;
    while (!done(records) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  } finally {
    await consumer.disconnect();
  }
  return records;
}
