import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafkaSink, createMemorySink, DEFAULT_CONFIG_PATH, loadSimulatorConfig, runSimulation } from '@callboard/simulator';
import { createTestStack, readTopicsToEnd, type TestStack } from '../helpers/infra.js';
import { produceSimulatedRun } from '../helpers/pipeline.js';
import { watchProducerSends } from '../helpers/producer-sends.js';
import { waitFor } from '../helpers/wait.js';

describe('the simulator Kafka sink', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack('sink');
  });
  afterAll(async () => stack?.cleanup());

  // Regression: a linger flush during the first registry look-up once dropped the first call event.
  it('delivers every event of the ground truth, decodable, with a cold schema cache', async () => {
    const { truth } = await produceSimulatedRun(stack, { seed: 3, start: Date.now() - 50 * 60_000, durationMs: 20 * 60_000 });
    const seen = new Set<string>();
    const consumer = stack.kafka.consumer({ groupId: `${stack.prefix}reader` });
    await consumer.connect();
    await consumer.subscribe({ topics: [stack.topology.callEvents.name, stack.topology.agentEvents.name], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const d = await stack.codec.decode(message.value);
        if (d.ok) seen.add(d.value.eventId as string);
      },
    });
    try {
      await waitFor('every event', () => (seen.size >= truth.length ? true : undefined), 30_000).catch(() => undefined);
    } finally {
      await consumer.disconnect();
    }
    expect(truth.filter((e) => !seen.has(e.eventId)).map((e) => e.eventId)).toEqual([]);
  });

  // A sendBatch across several leaders loses or doubles records when one of them dies mid-send
  // (kafkajs 2.2.4; the broker kill test in test/cluster/failover.test.ts, decision 0007).
  it('sends each topic-partition on its own, never one request across leaders, and puts every key where kafkajs would', async () => {
    const config = await loadSimulatorConfig(DEFAULT_CONFIG_PATH);
    const split = await createTestStack('sink-split');
    const plain = await createTestStack('sink-plain');
    const producer = split.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    const plainProducer = plain.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await plainProducer.connect();
    try {
      const { sends } = watchProducerSends(producer, split.topology);
      const truth = createMemorySink();
      const start = Date.now() - 40 * 60_000;
      await runSimulation({ config, seed: 11, start, durationMs: 20 * 60_000, sinks: { truth, faulty: [createKafkaSink({ producer, codec: split.codec, batchSize: 200 })] } });
      const events = truth.items.map((i) => i.event);
      expect(events.length).toBeGreaterThan(200);

      // Flushes of many keys were split: one partition per call, several partitions in all.
      const calls = sends.map((s) => [...new Set(s.written)]);
      expect(calls.length).toBeGreaterThan(1);
      expect(calls.filter((c) => c.length !== 1)).toEqual([]);
      expect(new Set(calls.flat()).size).toBeGreaterThan(2);

      // The same events through one plain sendBatch (kafkajs' default partitioner) to topics of the same shape.
      const byTopic = new Map<string, { key: string; value: Buffer }[]>();
      for (const e of events) {
        const r = await plain.codec.encodeEvent(e);
        byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), { key: r.key, value: r.value }]);
      }
      await plainProducer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });

      const placement = async (s: TestStack) => {
        const held = await readTopicsToEnd(s, [s.topology.callEvents.name, s.topology.agentEvents.name]);
        return new Map(held.map((r) => [r.event?.eventId, `${r.topic.slice(s.prefix.length)}/${r.partition}`]));
      };
      const viaSink = await placement(split);
      expect(viaSink.size).toBe(events.length);
      expect(viaSink).toEqual(await placement(plain));
    } finally {
      await producer.disconnect();
      await plainProducer.disconnect();
      await split.cleanup();
      await plain.cleanup();
    }
  });
});
