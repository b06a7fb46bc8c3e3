import type { Producer } from 'kafkajs';
import { sendEncodedRecords } from '@callboard/runtime';
import type { CanonicalEvent, EncodedRecord, EventCodec } from '@callboard/events';
import type { CliContext } from './context.js';

/** Records per flush: a bound on memory and on what one failed flush leaves unsent. */
const BATCH = 500;

/** Canonical events out to Kafka as Avro, for `produce` and `import --kafka`. */
export interface EventSender {
  /** Encodes one event and sends a batch once {@link BATCH} are pending. */
  send(event: CanonicalEvent): Promise<void>;
  /** Sends what is pending and waits for the brokers' acknowledgement. */
  flush(): Promise<void>;
  /** Events acknowledged so far. */
  readonly sent: number;
}

/**
 * The CLI's producer: idempotent, one request in flight, no topic auto-creation. kafkajs sends with
 * acks=all by default, so an acknowledged event is on every in-sync replica.
 */
export function createCliProducer(ctx: CliContext): Producer {
  return ctx.kafka().producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
}

/**
 * Sends events keyed by callId / agentId to the call or agent topic, in the order given.
 *
 * @param producer - a connected producer (see {@link createCliProducer})
 * @param codec - encodes each event through the Schema Registry
 */
export function createEventSender(producer: Producer, codec: EventCodec): EventSender {
  let pending: EncodedRecord[] = [];
  let sent = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    // One send per partition (runtime sendEncodedRecords): a broker lost mid-send loses or doubles nothing.
    await sendEncodedRecords(producer, codec.topology, pending);
    sent += pending.length;
    pending = [];
  };
  return {
    async send(event) {
      pending.push(await codec.encodeEvent(event));
      if (pending.length >= BATCH) await flush();
    },
    flush,
    get sent() {
      return sent;
    },
  };
}
