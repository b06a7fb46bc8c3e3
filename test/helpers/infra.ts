import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { type CanonicalEvent, createSchemaRegistry, createTopology, EventCodec, topologyTopics, valueSubject, type Topology } from '@callboard/events';
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

/** One record of a topic as Kafka holds it: where it sits, and the event it carries if it is a valid one. */
export interface HeldRecord {
  topic: string;
  partition: number;
  offset: bigint;
  /** The canonical event, as the aggregator decodes and validates it; unset for a record it sends to the DLQ. */
  event?: CanonicalEvent;
}

/**
 * Every record `topics` hold, up to each partition's end offset when called, decoded and validated
 * as the aggregator does (`codec.decodeEvent`); sorted by topic, partition and offset. So a test can
 * take its oracle over what Kafka delivered, extra copies a producer retry wrote included, rather
 * than over what was sent.
 */
export async function readTopicsToEnd(stack: TestStack, topics: readonly string[], timeoutMs = 60_000): Promise<HeldRecord[]> {
  const admin = stack.kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  try {
    for (const topic of topics) for (const p of await admin.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, BigInt(p.high));
  } finally {
    await admin.disconnect();
  }
  const records: HeldRecord[] = [];
  const next = new Map<string, bigint>();
  const consumer = stack.kafka.consumer({ groupId: `${stack.prefix}held-${randomBytes(3).toString('hex')}` });
  await consumer.connect();
  try {
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const offset = BigInt(message.offset);
        if (offset >= (ends.get(`${topic}/${partition}`) ?? 0n)) return;
        const decoded = await stack.codec.decodeEvent(message.value);
        records.push({ topic, partition, offset, ...(decoded.ok ? { event: decoded.event } : {}) });
        next.set(`${topic}/${partition}`, offset + 1n);
      },
    });
    const deadline = Date.now() + timeoutMs;
    const done = () => [...ends].every(([tp, end]) => (next.get(tp) ?? 0n) >= end);
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`reading ${topics.join(', ')} back: not at the end offsets after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await consumer.disconnect();
  }
  const order = (r: HeldRecord) => [topics.indexOf(r.topic), r.partition] as const;
  return records.sort((a, b) => order(a)[0] - order(b)[0] || a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
}
