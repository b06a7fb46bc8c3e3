import { type Message, Partitioners, type PartitionMetadata, type Producer } from 'kafkajs';
import { type EncodedRecord, topicByName, type Topology } from '@callboard/events';

const partitioner = Partitioners.DefaultPartitioner();
const metadataCache = new Map<number, PartitionMetadata[]>();

function metadataOf(count: number): PartitionMetadata[] {
  let partitions = metadataCache.get(count);
  if (!partitions) {
    partitions = Array.from({ length: count }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [], isr: [] }));
    metadataCache.set(count, partitions);
  }
  return partitions;
}

/**
 * The partition kafkajs' default partitioner gives `message` on a topic of the topology (murmur2 of
 * the key), or its own `partition`; undefined for a topic the topology does not declare.
 */
export function partitionFor(topology: Topology, topic: string, message: Message): number | undefined {
  if (message.partition !== undefined) return message.partition;
  const count = topicByName(topology, topic)?.partitions ?? 0;
  return count === 0 ? undefined : partitioner({ topic, partitionMetadata: metadataOf(count), message });
}

/**
 * Sends `messages` to `topic` with `acks=all` as ONE SEND PER PARTITION, all at once, and resolves
 * once every partition's send is acknowledged (rejects with the first failure).
 *
 * Never one request spanning several leaders: kafkajs 2.2.4's `send`/`sendBatch` keeps, across its
 * retries, which BROKERS answered, not which partitions. When a leader dies mid-send and its
 * partitions move to a broker that already answered the same call, kafkajs either never re-sends
 * them while the call still succeeds, with their sequence numbers rolled back so the next records
 * reuse them (dropped as duplicates by the broker, or OUT_OF_ORDER_SEQUENCE_NUMBER), or re-sends
 * records that broker had acknowledged under new sequence numbers (written twice). A send of one
 * partition has one leader at a time, and its retry to the new leader reuses its sequence numbers,
 * which the broker deduplicates (docs/decisions/0007-one-slot-per-call.md, "Kafka broker loss").
 * Each record goes to the partition kafkajs would have chosen, so keys keep their partitions.
 */
export async function sendByPartition(producer: Producer, topology: Topology, topic: string, messages: readonly Message[]): Promise<void> {
  const groups = new Map<number | undefined, Message[]>();
  for (const message of messages) {
    const partition = partitionFor(topology, topic, message);
    const group = groups.get(partition);
    const placed = partition === undefined ? message : { ...message, partition };
    if (group) group.push(placed);
    else groups.set(partition, [placed]);
  }
  await allSettledOrFirstFailure([...groups.values()].map((group) => producer.send({ acks: -1, topic, messages: group })));
}

/**
 * Sends encoded records to the topics they name, keyed as they are: `codec.encodeEvent` routes an
 * event to the call or agent topic by its type and keys it by callId / agentId, so every event of a
 * call (or an agent) lands on one partition. Each topic goes through {@link sendByPartition} (one
 * send per partition, acks=all), all topics at once; records of one partition keep the order given.
 *
 * Resolves once Kafka acknowledged every record (at once for none). On a failure it waits until
 * every other send has settled too, then rejects with the first failure in topic order, so a caller
 * that retries or disconnects never races a send still in flight. The error is kafkajs' own: each
 * caller words it as its CB_* code.
 *
 * @param producer - a connected producer (idempotent, one request in flight, for exactly one copy)
 * @param topology - the topics and their partition counts
 * @param records - encoded events (or records shaped like them, such as the simulator's corrupt ones)
 */
export async function sendEncodedRecords(producer: Producer, topology: Topology, records: readonly EncodedRecord[]): Promise<void> {
  const byTopic = new Map<string, Message[]>();
  for (const { topic, key, value } of records) {
    const messages = byTopic.get(topic);
    if (messages) messages.push({ key, value });
    else byTopic.set(topic, [{ key, value }]);
  }
  await allSettledOrFirstFailure([...byTopic].map(([topic, messages]) => sendByPartition(producer, topology, topic, messages)));
}

/** Waits for every send, then rejects with the first failure (in the order given) if any failed. */
async function allSettledOrFirstFailure(sends: readonly Promise<unknown>[]): Promise<void> {
  const settled = await Promise.allSettled(sends);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
