import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { type CanonicalEvent, type EncodedRecord, validateEvent } from '@callboard/events';
import { createTestStack, readTopicsToEnd, type TestStack } from '../../../test/helpers/infra.js';
import { watchProducerSends } from '../../../test/helpers/producer-sends.js';
import { partitionFor, sendByPartition, sendEncodedRecords } from '../src/index.js';

/** Valid events of 6 calls and 4 agents, interleaved: each call's and each agent's events in a known order. */
function interleavedEvents(): CanonicalEvent[] {
  return Array.from({ length: 48 }, (_, i) => {
    const occurredAt = new Date(Date.UTC(2026, 2, 2, 9, 0, i)).toISOString();
    const input =
      i % 2 === 0
        ? { eventId: `e-${i}`, type: 'call.offered', occurredAt, tenantId: 'acme', queueId: 'billing', callId: `c-${(i / 2) % 6}`, channel: 'voice', direction: 'inbound' }
        : { eventId: `e-${i}`, type: 'agent.state_changed', occurredAt, tenantId: 'acme', agentId: `a-${((i - 1) / 2) % 4}`, state: 'available', queueIds: ['billing'] };
    const checked = validateEvent(input);
    if (!checked.ok) throw new Error(`fixture event ${i} is invalid`);
    return checked.event;
  });
}

/**
 * Every producer of callboard sends through sendByPartition (DLQ, late, KPI and alert records;
 * canonical events through sendEncodedRecords: `callboard produce` and `import --kafka`, the
 * simulator, both ingest services): one send per partition, never one request across leaders,
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

  describe('sendEncodedRecords', () => {
    it('routes each record to its topic under its key, one send per partition, in the order given', async () => {
      const events = interleavedEvents();
      const records: EncodedRecord[] = [];
      for (const event of events) records.push(await stack.codec.encodeEvent(event));
      const topics = [stack.topology.callEvents.name, stack.topology.agentEvents.name];
      expect(new Set(records.map((r) => r.topic))).toEqual(new Set(topics));

      const { sends } = watchProducerSends(producer, stack.topology);
      await sendEncodedRecords(producer, stack.topology, records);
      const calls = sends.map((s) => [...new Set(s.written)]);
      expect(calls.filter((c) => c.length !== 1)).toEqual([]);
      const expectedPartitions = new Set(records.map((r) => `${r.topic}/${partitionFor(stack.topology, r.topic, { key: r.key, value: r.value })}`));
      expect(calls.flat().sort()).toEqual([...expectedPartitions].sort());

      // Kafka holds every event once, on its key's partition of its type's topic, in the order sent.
      // (The raw records of the test above, which no codec decodes, are left out.)
      const held = (await readTopicsToEnd(stack, topics)).filter((h) => h.event !== undefined);
      expect(held.map((h) => h.event?.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
      for (const h of held) {
        const sent = records[events.findIndex((e) => e.eventId === h.event?.eventId)]!;
        expect(`${h.topic}/${h.partition}`).toBe(`${sent.topic}/${partitionFor(stack.topology, sent.topic, { key: sent.key, value: sent.value })}`);
      }
      const sentOrder = events.map((e) => e.eventId);
      const byPartition = new Map<string, string[]>();
      for (const h of held) byPartition.set(`${h.topic}/${h.partition}`, [...(byPartition.get(`${h.topic}/${h.partition}`) ?? []), h.event!.eventId]);
      for (const ids of byPartition.values()) expect(ids).toEqual([...ids].sort((a, b) => sentOrder.indexOf(a) - sentOrder.indexOf(b)));
    });

    it('sends nothing for no records', async () => {
      const { sends } = watchProducerSends(producer, stack.topology);
      await sendEncodedRecords(producer, stack.topology, []);
      expect(sends).toEqual([]);
    });

    it("rejects with kafkajs' error when the producer cannot send", async () => {
      const idle = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      const record = await stack.codec.encodeEvent(interleavedEvents()[0]!);
      await expect(sendEncodedRecords(idle, stack.topology, [record])).rejects.toThrow(/disconnected/);
    });
  });
});
