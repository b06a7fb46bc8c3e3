import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { watchProducerSends } from '../../../test/helpers/producer-sends.js';
import { sendByPartition } from '../src/index.js';

/**
 * Every producer of callboard sends through sendByPartition (DLQ, late, KPI and alert records,
 * `callboard produce`, the simulator): one send per partition, never one request across leaders,
 * because kafkajs 2.2.4 loses or doubles records of such a request when a leader dies mid-send
 * (decision 0007 "Kafka broker loss"; the broker kill test in test/cluster/failover.test.ts).
 */
describe('sendByPartition', () => {
  let stack: TestStack;
  let producer: Producer;
  beforeAll(async () => {
    stack = await createTestStack('keyed-send');
    producer = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await stack?.cleanup();
  });

  it('sends one partition per call and puts every key where a plain kafkajs send would', async () => {
    const topic = stack.topology.callEvents.name;
    const messages = Array.from({ length: 120 }, (_, i) => ({ key: `call-${i}`, value: Buffer.from(`v${i}`) }));
    const { sends } = watchProducerSends(producer, stack.topology);
    await sendByPartition(producer, stack.topology, topic, messages);
    const calls = sends.map((s) => [...new Set(s.written)]);
    expect(calls.filter((c) => c.length !== 1)).toEqual([]);
    expect(calls.length).toBe(stack.topology.callEvents.partitions);

    // The same keys through one plain send to a topic of the same shape: the same partition for each
    // key, seen as the same number of records in each partition.
    const plain = stack.kafka.producer({ allowAutoTopicCreation: false });
    await plain.connect();
    await plain.send({ topic: stack.topology.agentEvents.name, acks: -1, messages }).finally(() => plain.disconnect());
    const admin = stack.kafka.admin();
    await admin.connect();
    try {
      const counts = async (t: string) => new Map((await admin.fetchTopicOffsets(t)).map((p) => [p.partition, Number(p.high)]));
      const ours = await counts(topic);
      expect([...ours.values()].reduce((a, b) => a + b, 0)).toBe(messages.length);
      expect(ours).toEqual(await counts(stack.topology.agentEvents.name));
    } finally {
      await admin.disconnect();
    }
  });
});
