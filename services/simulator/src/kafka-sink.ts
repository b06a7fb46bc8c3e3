import type { Producer } from 'kafkajs';
import { CallboardError } from '@callboard/errors';
import { type EncodedRecord, type EventCodec, eventRoute, loadSchema, toAvro } from '@callboard/events';
import { sendEncodedRecords } from '@callboard/runtime';
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
  let pending: EncodedRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  async function encode(item: StreamItem): Promise<EncodedRecord> {
    const record = await codec.encodeEvent(item.event);
    if (item.kind === 'event') return record;
    switch (item.mode) {
      case 'garbage-bytes':
        return { ...record, value: garbageBytes(item.event) };
      case 'truncated':
        return { ...record, value: record.value.subarray(0, Math.max(6, Math.floor(record.value.length / 2))) };
      case 'invalid-field': {
        const schema = loadSchema(eventRoute(codec.topology, item.event).schema).schema;
        const id = await codec.schemaId(record.topic);
        return { ...record, value: await codec.registry.encode(id, toAvro(schema, invalidFieldVariant(item.event))) };
      }
    }
  }

  function flush(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0) return inFlight;
    const batch = pending;
    pending = [];
    // One send per topic-partition (runtime sendEncodedRecords: a leader lost mid-send loses or
    // doubles nothing). Flushes are chained and each partition has one send per flush, so records
    // reach each partition in emission order.
    inFlight = inFlight.then(async () => {
      try {
        await sendEncodedRecords(producer, codec.topology, batch);
      } catch (err) {
        throw new CallboardError('CB_KAFKA_UNAVAILABLE', `simulator could not produce: ${(err as Error).message}`, { cause: err, retriable: true });
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
