import { Partitioners, type Message, type PartitionMetadata, type Producer } from 'kafkajs';
import type { Topology } from '@callboard/events';

/** One `send` or `sendBatch` call a producer got: the topic-partitions it writes, when it started, whether it settled. */
export interface WatchedSend {
  /** `topic/partition` of every message, in order (repeats kept). */
  written: string[];
  /** `performance.now()` at the call. */
  startedAt: number;
  settled: boolean;
}

/**
 * Watches a real producer's sends (it still sends them): which topic-partitions each call writes
 * (a message without a partition goes where kafkajs' default partitioner puts its key over the
 * topic's declared partitions) and whether it has settled.
 */
export function watchProducerSends(producer: Producer, topology: Topology) {
  const sends: WatchedSend[] = [];
  const partitioner = Partitioners.DefaultPartitioner();
  const declared = new Map<string, PartitionMetadata[]>(
    Object.values(topology).map((t) => [t.name, Array.from({ length: t.partitions }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [], isr: [] }))]),
  );
  const targets = (topic: string, messages: Message[]) => messages.map((m) => `${topic}/${m.partition ?? partitioner({ topic, partitionMetadata: declared.get(topic) ?? [], message: m })}`);
  const track = <T>(written: string[], sent: Promise<T>): Promise<T> => {
    const entry: WatchedSend = { written, startedAt: performance.now(), settled: false };
    sends.push(entry);
    return sent.finally(() => {
      entry.settled = true;
    });
  };
  const send = producer.send.bind(producer);
  const sendBatch = producer.sendBatch.bind(producer);
  producer.send = (record) => track(targets(record.topic, record.messages), send(record));
  producer.sendBatch = (batch) => track((batch.topicMessages ?? []).flatMap((t) => targets(t.topic, t.messages)), sendBatch(batch));
  return {
    sends,
    /** Whether every send so far has settled. */
    idle(): boolean {
      return sends.every((s) => s.settled);
    },
    /** Whether a send started after `since` (`performance.now()`). */
    startedSince(since: number): boolean {
      return sends.some((s) => s.startedAt > since);
    },
    /** Whether a send started after `since` (`performance.now()`) that writes one of `partitions` (`topic/partition`) has not settled yet. */
    pendingTo(partitions: ReadonlySet<string>, since: number): boolean {
      return sends.some((s) => !s.settled && s.startedAt > since && s.written.some((p) => partitions.has(p)));
    },
  };
}
