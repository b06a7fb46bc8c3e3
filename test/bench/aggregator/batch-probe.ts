import type { Admin, Consumer, Kafka } from 'kafkajs';
import { CallboardError } from '@callboard/errors';

/** Where a partition ended after the pre-fill: consuming is done when every one is reached. */
export interface PartitionEnd {
  topic: string;
  partition: number;
  high: bigint;
}

export async function partitionEnds(admin: Admin, topics: string[]): Promise<PartitionEnd[]> {
  const ends: PartitionEnd[] = [];
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (p.high !== '0') ends.push({ topic, partition: p.partition, high: BigInt(p.high) });
    }
  }
  return ends;
}

const ref = (topic: string, partition: number) => `${topic}/${partition}`;

/**
 * Watches a consumer through kafkajs' instrumentation events, from outside the code under test: the
 * first batch handed to `eachBatch` starts the clock, and the end of the batch that reaches the last
 * partition's high watermark stops it. The event consumer commits inside `eachBatch`, so a batch has
 * been committed when its END_BATCH_PROCESS fires; {@link BatchProbe.finish} checks that with the
 * group coordinator all the same.
 */
export class BatchProbe {
  firstBatchAt: number | undefined;
  lastBatchAt = 0;
  batches = 0;
  records = 0;
  /** Sum of `eachBatch` durations (decode, handler, commit); batches of different partitions overlap. */
  batchMs = 0;
  /** Time spent in `commitOffsets`, summed over calls. */
  commitMs = 0;
  commits = 0;
  private readonly next = new Map<string, bigint>();
  private readonly waiters: (() => void)[] = [];

  constructor(private readonly ends: PartitionEnd[]) {}

  /** The same client, with every consumer it makes watched by this probe. */
  wrap(kafka: Kafka): Kafka {
    const watched = Object.create(kafka) as Kafka;
    watched.consumer = (config) => {
      const consumer = kafka.consumer(config);
      this.attach(consumer);
      return consumer;
    };
    return watched;
  }

  private attach(consumer: Consumer): void {
    const commit = consumer.commitOffsets.bind(consumer);
    consumer.commitOffsets = async (offsets) => {
      const began = performance.now();
      try {
        return await commit(offsets);
      } finally {
        this.commitMs += performance.now() - began;
        this.commits += 1;
      }
    };
    consumer.on(consumer.events.START_BATCH_PROCESS, () => {
      this.firstBatchAt ??= performance.now();
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      this.lastBatchAt = performance.now();
      this.batches += 1;
      this.records += e.payload.batchSize;
      this.batchMs += e.payload.duration;
      const key = ref(e.payload.topic, e.payload.partition);
      const reached = BigInt(e.payload.lastOffset) + 1n;
      if (reached > (this.next.get(key) ?? 0n)) this.next.set(key, reached);
      if (this.complete()) for (const w of this.waiters.splice(0)) w();
    });
  }

  complete(): boolean {
    return this.ends.every((end) => (this.next.get(ref(end.topic, end.partition)) ?? 0n) >= end.high);
  }

  /** Resolves when every partition was processed to its end; fails after `stallMs` without a batch. */
  async untilComplete(stallMs = 60_000): Promise<void> {
    if (this.complete()) return;
    await new Promise<void>((resolve, reject) => {
      const started = performance.now();
      const watchdog = setInterval(() => {
        if (performance.now() - Math.max(started, this.lastBatchAt) > stallMs) {
          clearInterval(watchdog);
          reject(new CallboardError('CB_KAFKA_UNAVAILABLE', `no batch for ${stallMs / 1000} s; ${this.records} records processed so far`));
        }
      }, 1000);
      this.waiters.push(() => {
        clearInterval(watchdog);
        resolve();
      });
    });
  }

  /** Stops waiting (a run that ends before the topics do); pending {@link untilComplete} calls resolve. */
  dispose(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /**
   * The end of the measured span: when the group's committed offsets equal the high watermarks.
   * That is the last batch's end, unless the coordinator lagged behind it, in which case it is when
   * the coordinator first reported everything committed.
   */
  async finish(admin: Admin, groupId: string): Promise<number> {
    const end = this.lastBatchAt;
    for (let polls = 0; ; polls += 1) {
      if (await allCommitted(admin, groupId, this.ends)) return polls === 0 ? end : performance.now();
      if (polls > 300) throw new CallboardError('CB_KAFKA_UNAVAILABLE', `group ${groupId} processed every batch but its commits never reached the high watermarks`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

export async function allCommitted(admin: Admin, groupId: string, ends: PartitionEnd[]): Promise<boolean> {
  const topics = [...new Set(ends.map((e) => e.topic))];
  const committed = await admin.fetchOffsets({ groupId, topics });
  return ends.every((end) => {
    const offset = committed.find((t) => t.topic === end.topic)?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
    return BigInt(offset) >= end.high;
  });
}
