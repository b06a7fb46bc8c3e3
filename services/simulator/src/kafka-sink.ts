import { Partitioners, type PartitionMetadata, type Producer } from 'kafkajs';
import { CallboardError } from '@callboard/errors';
import { type EventCodec, isCallEvent, loadSchema, toAvro, topicByName } from '@callboard/events';
import { garbageBytes, invalidFieldVariant } from './corrupt.js';
import type { EventSink } from './sinks.js';
import type { StreamItem } from './stream-item.js';

export interface KafkaSinkOptions {
  producer: Producer;
  codec: EventCodec;
  /** Records per send; a partial batch is sent when `lingerMs` passes. */
  batchSize?: number;
  lingerMs?: number;
}

/**
 * Writes the simulated stream to the event topics as Avro in the Confluent wire format, keyed by
 * callId / agentId. Corrupt items become bytes a consumer must refuse: random noise, a record cut
 * short, or a well-formed Avro record that breaks the contract (`waitMs: -5`).
 */
export function createKafkaSink(options: KafkaSinkOptions): EventSink {
  const { producer, codec } = options;
  const batchSize = options.batchSize ?? 500;
  const lingerMs = options.lingerMs ?? 20;
  let pending: { topic: string; key: string; value: Buffer }[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  async function encode(item: StreamItem): Promise<{ topic: string; key: string; value: Buffer }> {
    const record = await codec.encodeEvent(item.event);
    if (item.kind === 'event') return record;
    switch (item.mode) {
      case 'garbage-bytes':
        return { ...record, value: garbageBytes(item.event) };
      case 'truncated':
        return { ...record, value: record.value.subarray(0, Math.max(6, Math.floor(record.value.length / 2))) };
      case 'invalid-field': {
        const schema = loadSchema(isCallEvent(item.event) ? 'call-event' : 'agent-event').schema;
        const id = await codec.schemaId(record.topic);
        return { ...record, value: await codec.registry.encode(id, toAvro(schema, invalidFieldVariant(item.event))) };
      }
    }
  }

  // kafkajs' own default partitioner over the topic's declared partitions: a key lands where
  // `producer.sendBatch` without a partition would put it (murmur2 of the key).
  const partitioner = Partitioners.DefaultPartitioner();
  const metadata = new Map<string, PartitionMetadata[]>();
  function partitionOf(topic: string, key: string): number | undefined {
    let partitions = metadata.get(topic);
    if (!partitions) {
      const count = topicByName(codec.topology, topic)?.partitions ?? 0;
      partitions = Array.from({ length: count }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [], isr: [] }));
      metadata.set(topic, partitions);
    }
    return partitions.length === 0 ? undefined : partitioner({ topic, partitionMetadata: partitions, message: { key, value: null } });
  }

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return inFlight;
    const batch = pending;
    pending = [];
    // One send per topic-partition, never one request spanning several leaders. kafkajs 2.2.4's
    // sendBatch keeps, across its retries, which BROKERS answered, not which partitions: when a
    // leader dies mid-send and its partitions move to a broker that already answered (or is still
    // answering) the same sendBatch, it either never re-sends them, with their sequence numbers
    // rolled back so the next records reuse them (silently dropped as duplicates by the broker, or
    // OUT_OF_ORDER_SEQUENCE_NUMBER), or re-sends that broker's acknowledged records under new
    // sequence numbers (written twice). A send of one partition has one leader at a time, and its
    // retry to the new leader reuses the same sequence numbers, which the broker deduplicates
    // (docs/decisions/0007-one-slot-per-call.md, "Kafka broker loss").
    const byPartition = new Map<string, { topic: string; messages: { key: string; value: Buffer; partition?: number }[] }>();
    for (const r of batch) {
      const partition = partitionOf(r.topic, r.key);
      const id = `${r.topic}\u0000${partition ?? ''}`;
      const group = byPartition.get(id) ?? { topic: r.topic, messages: [] };
      group.messages.push({ key: r.key, value: r.value, ...(partition === undefined ? {} : { partition }) });
      byPartition.set(id, group);
    }
    // Flushes are chained and each partition has one send per flush, so records reach each
    // partition in emission order.
    inFlight = inFlight.then(async () => {
      const sends = await Promise.allSettled([...byPartition.values()].map(({ topic, messages }) => producer.send({ acks: -1, topic, messages })));
      const failed = sends.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) {
        const err = failed.reason as Error;
        throw new CallboardError('CB_KAFKA_UNAVAILABLE', `simulator could not produce: ${err.message}`, { cause: err, retriable: true });
      }
    });
    return inFlight;
  }

  return {
    async write(item) {
      // Encode first, then take `pending`: a linger flush during the await swaps the array, and
      // `pending.push(await …)` would push into the batch that was already sent.
      const record = await encode(item);
      pending.push(record);
      if (pending.length >= batchSize) await flush();
      else timer ??= setTimeout(() => void flush().catch(() => undefined), lingerMs);
    },
    async close() {
      await flush();
    },
  };
}
