import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { backoffDelay, CallboardError, isRetriable, sleep } from '@callboard/errors';
import type { CanonicalEvent, EventCodec } from '@callboard/events';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { DlqPublisher, type RefusedRecord } from './dlq.js';
import { crashCause, isRestartable } from './kafka.js';
import type { Logger } from './logger.js';

/** A decoded, valid record with its Kafka coordinates. */
export interface ConsumedEvent<T = CanonicalEvent> {
  offset: string;
  event: T;
}

/**
 * One partition's batch, or one chunk of it ({@link EventConsumerOptions.chunkSize}), after the bad
 * records have gone to the DLQ.
 */
export interface EventBatch<T = CanonicalEvent> {
  topic: string;
  partition: number;
  /** Valid records, in offset order. */
  events: ConsumedEvent<T>[];
  /**
   * The last offset this call covers, valid or not. Kafka commits past it once the handler returned
   * (for a chunk: once every chunk of its batch returned).
   */
  lastOffset: string;
  heartbeat(): Promise<void>;
}

/** Turns a record's bytes into a valid value, or says why not. Registry outages throw (retriable). */
export type RecordDecoder<T> = (value: Buffer | null) => Promise<{ ok: true; event: T } | { ok: false; error: CallboardError }>;

export interface EventConsumerOptions<T = CanonicalEvent> {
  kafka: Kafka;
  codec: EventCodec;
  logger: Logger;
  metrics: Registry;
  service: string;
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /** Applies a batch. Throw a retriable CallboardError to have the same batch retried with backoff. */
  handleBatch(batch: EventBatch<T>): Promise<void>;
  /** How records decode; default: canonical events through the codec, validated against contract v1. */
  decode?: RecordDecoder<T>;
  /**
   * Where to resume a newly assigned partition from, when something other than Kafka is the record
   * of progress (the aggregator keeps applied offsets in Redis). Undefined: the committed offset.
   */
  resumeFrom?(topic: string, partition: number): Promise<string | undefined>;
  /**
   * A last check of a decoded, contract-valid event before it reaches the handler; an error sends it
   * to the DLQ like a record that did not decode (the aggregator refuses events from the future).
   */
  screen?(event: T): CallboardError | undefined;
  /** Partitions processed at once; each partition's batches stay in order. */
  partitionsConsumedConcurrently?: number;
  /**
   * Hands each batch to `handleBatch` in chunks of this many records, each as soon as it is decoded,
   * so the handler's I/O (the aggregator's Redis calls) overlaps the decoding of the next chunk
   * instead of waiting for a whole batch (issue 9 item 5). Per partition, a chunk's handler call
   * starts only after the previous chunk's resolved, and a chunk that failed or went stale stops the
   * rest of its batch; each call's `lastOffset` is its chunk's last record; Kafka commits once, after
   * every chunk of the batch. Undefined: one handler call per batch (the gateway and the alerter
   * coalesce per batch).
   */
  chunkSize?: number;
  /**
   * Called once, with the root cause, when the consumer stopped for a reason retrying cannot fix (a
   * bug, a script error, a non-retriable CallboardError). The consumer is already stopped and does
   * not restart; a service logs the cause and exits non-zero (STYLE "crash policy").
   */
  onFatal?(err: unknown): void;
  /** Backoff between attempts at a batch that failed for a retriable reason. */
  retryBackoff?: { initialDelayMs: number; maxDelayMs: number };
  maxBytesPerPartition?: number;
  /** Group session timeout; default 10 s. */
  sessionTimeoutMs?: number;
}

export interface EventConsumer {
  consumer: Consumer;
  start(): Promise<void>;
  close(): Promise<void>;
  /** True once the consumer has joined its group and not crashed since. */
  isHealthy(): boolean;
}

function metricOnce<T>(metrics: Registry, name: string, make: () => T): T {
  return (metrics.getSingleMetric(name) as T | undefined) ?? make();
}

/**
 * A Kafka consumer of canonical events with the guarantees DESIGN §2 and §5 ask for: bad records go to
 * the DLQ and never stop the partition; a batch is committed only after it was applied; an outage of a
 * dependency (registry, Redis, Kafka) pauses the partition and retries with backoff, committing nothing.
 */
export function createEventConsumer<T = CanonicalEvent>(options: EventConsumerOptions<T>): EventConsumer {
  const decode = options.decode ?? ((value: Buffer | null) => options.codec.decodeEvent(value) as ReturnType<RecordDecoder<T>>);
  if (options.chunkSize !== undefined && !(Number.isSafeInteger(options.chunkSize) && options.chunkSize > 0)) {
    throw new CallboardError('CB_CONFIG_INVALID', `chunkSize must be a positive integer, got ${options.chunkSize}`);
  }
  const log = options.logger.child({ module: 'event-consumer', groupId: options.groupId });
  const consumer = options.kafka.consumer({
    groupId: options.groupId,
    // A member killed with -9 is only replaced once its session times out: keep that short, so a
    // restarted instance takes its partitions back within seconds (DESIGN §9 recovery).
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    rebalanceTimeout: 30_000,
    heartbeatInterval: 1_000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    // kafkajs restarts a crashed consumer by default, forever, whatever the cause: restart only when
    // the root cause is retriable (issue 8 item 10).
    retry: { retries: 5, restartOnFailure: async (err) => isRestartable(err) },
  });
  const producer = options.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  const dlq = new DlqPublisher(producer, options.codec, options.service, options.metrics);
  const backoff = options.retryBackoff ?? { initialDelayMs: 200, maxDelayMs: 10_000 };
  const m = options.metrics;
  const consumed = metricOnce(m, 'callboard_consumer_records_total', () =>
    new Counter({ name: 'callboard_consumer_records_total', help: 'Records consumed, valid or not.', labelNames: ['topic'], registers: [m] }),
  );
  const retries = metricOnce(m, 'callboard_consumer_batch_retries_total', () =>
    new Counter({ name: 'callboard_consumer_batch_retries_total', help: 'Batches retried after a retriable failure, by error code.', labelNames: ['code'], registers: [m] }),
  );
  const batchSeconds = metricOnce(m, 'callboard_consumer_batch_seconds', () =>
    new Histogram({ name: 'callboard_consumer_batch_seconds', help: 'Time to decode, apply and commit one batch.', labelNames: ['topic'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [m] }),
  );
  const lag = metricOnce(m, 'callboard_consumer_lag', () =>
    new Gauge({ name: 'callboard_consumer_lag', help: 'Records between the end of the last batch and the partition high watermark.', labelNames: ['topic', 'partition'], registers: [m] }),
  );
  let healthy = false;

  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    healthy = true;
    log.info({ assignment: e.payload.memberAssignment }, 'joined consumer group');
    if (!options.resumeFrom) return;
    for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
      for (const partition of partitions) {
        void options
          .resumeFrom(topic, partition)
          .then((offset) => {
            if (offset !== undefined) {
              log.info({ topic, partition, offset }, 'resuming from the stored applied offset');
              consumer.seek({ topic, partition, offset });
            }
          })
          .catch((err: unknown) => log.warn({ err, topic, partition }, 'cannot read the stored offset; the committed offset stands'));
      }
    }
  });
  consumer.on(consumer.events.CRASH, (e) => {
    healthy = false;
    const cause = crashCause(e.payload.error);
    if (e.payload.restart) {
      log.warn({ err: cause, topics: options.topics }, 'consumer crashed for a retriable reason; it restarts');
      return;
    }
    // kafkajs has disconnected the consumer and will not restart it.
    // The crash's message names the topic, partition and offsets of the batch (CB_CONSUMER_FAILED).
    log.error({ err: cause, crash: (e.payload.error as Error).message, topics: options.topics }, 'consumer stopped for a reason retrying cannot fix');
    options.onFatal?.(cause);
  });

  async function decodeAll(topic: string, partition: number, messages: KafkaMessage[]): Promise<{ events: ConsumedEvent<T>[]; refused: RefusedRecord[] }> {
    const events: ConsumedEvent<T>[] = [];
    const refused: RefusedRecord[] = [];
    for (const message of messages) {
      // Registry outages throw (retriable) and abort the whole batch, which is then retried.
      const result = await decode(message.value);
      const error = result.ok ? options.screen?.(result.event) : result.error;
      if (result.ok && !error) events.push({ offset: message.offset, event: result.event });
      else refused.push({ source: { topic, partition, offset: message.offset }, key: message.key ?? null, value: message.value ?? null, error: error! });
    }
    return { events, refused };
  }

  /**
   * Per partition, the offset up to which every refused record is already in the DLQ. Only the apply
   * is retried, and a batch fetched again (after a retry, a rebalance or a seek back) does not send
   * its bad records twice: one DLQ record per bad input (issue 8 item 9).
   */
  const deadLettered = new Map<string, bigint>();

  /**
   * Decodes records of a batch (all of it, or one chunk ending at `lastOffset`) and sends their
   * refused records to the DLQ, once. Returns the valid events.
   */
  async function decodeAndDeadLetter(payload: EachBatchPayload, messages: KafkaMessage[], lastOffset: string): Promise<ConsumedEvent<T>[]> {
    const { batch } = payload;
    const { events, refused } = await decodeAll(batch.topic, batch.partition, messages);
    const partitionKey = `${batch.topic}/${batch.partition}`;
    const done = deadLettered.get(partitionKey);
    const fresh = done === undefined ? refused : refused.filter((r) => BigInt(r.source.offset) > done);
    if (fresh.length > 0) {
      for (const r of fresh) log.warn({ topic: r.source.topic, partition: r.source.partition, offset: r.source.offset, code: r.error.code, reason: r.error.message }, 'record refused, sent to the DLQ');
      await dlq.publish(fresh);
    }
    const last = BigInt(lastOffset);
    if (done === undefined || last > done) deadLettered.set(partitionKey, last);
    return events;
  }

  async function apply(payload: EachBatchPayload, events: ConsumedEvent<T>[], lastOffset: string): Promise<void> {
    const { batch } = payload;
    await payload.heartbeat();
    await options.handleBatch({ topic: batch.topic, partition: batch.partition, events, lastOffset, heartbeat: payload.heartbeat });
  }

  async function commit(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const next = (BigInt(batch.lastOffset()) + 1n).toString();
    payload.resolveOffset(batch.lastOffset());
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
  }

  /**
   * Runs one step of a batch until it succeeds, retrying retriable failures with backoff (nothing is
   * committed meanwhile). Undefined: the consumer stopped or the batch went stale while waiting.
   * `range` names the records of the step in the error of a failure retrying cannot fix.
   */
  async function untilDone<R>(payload: EachBatchPayload, step: () => Promise<R>, range = `${payload.batch.messages[0]?.offset}..${payload.batch.lastOffset()}`): Promise<{ value: R } | undefined> {
    const { batch } = payload;
    for (let attempt = 0; ; attempt += 1) {
      if (!payload.isRunning() || payload.isStale()) return undefined;
      try {
        return { value: await step() };
      } catch (err) {
        if (!isRetriable(err)) {
          // kafkajs' own errors (a rebalance, a lost member) go back to kafkajs, which knows them.
          if (err instanceof Error && err.name.startsWith('KafkaJS')) throw err;
          // Anything else retrying cannot fix: kafkajs must not retry it either, and the crash
          // policy stops the consumer with this cause (issue 8 item 10).
          throw new CallboardError('CB_CONSUMER_FAILED', `${batch.topic}[${batch.partition}] batch ${range} failed: ${(err as Error)?.message ?? String(err)}`, {
            cause: err,
            retriable: false,
            topic: batch.topic,
            partition: batch.partition,
          });
        }
        const code = (err as CallboardError).code;
        const delayMs = backoffDelay(attempt, { ...backoff, factor: 2 });
        retries.inc({ code });
        log.warn({ err, code, attempt: attempt + 1, delayMs, topic: batch.topic, partition: batch.partition }, 'batch failed for a retriable reason; retrying, nothing committed');
        // Wait in slices, heartbeating, so a long outage does not cost the group membership.
        for (let waited = 0; waited < delayMs && payload.isRunning(); waited += 1000) {
          await sleep(Math.min(1000, delayMs - waited));
          await payload.heartbeat().catch(() => undefined);
        }
      }
    }
  }

  /** The whole batch: decoded, then applied and committed. False: abandoned (stale or stopped). */
  async function wholeBatch(payload: EachBatchPayload): Promise<boolean> {
    const { batch } = payload;
    // Decoding and dead-lettering run before, and apart from, the retried apply.
    const decoded = await untilDone(payload, () => decodeAndDeadLetter(payload, batch.messages, batch.lastOffset()));
    if (!decoded) return false;
    const done = await untilDone(payload, async () => {
      await apply(payload, decoded.value, batch.lastOffset());
      await commit(payload);
    });
    return done !== undefined;
  }

  /**
   * The batch in chunks: chunk k+1 decodes while chunk k applies, and the applies form a chain, so
   * chunk k+1's starts only once chunk k's resolved; exactly-once then rests on the per-queue offsets
   * the handler stores, as for whole batches (DESIGN §5). Commits once, after every chunk applied.
   * False: abandoned (stale or stopped); a failure retrying cannot fix is thrown once the chain settled.
   */
  async function inChunks(payload: EachBatchPayload, size: number): Promise<boolean> {
    const { batch } = payload;
    let chain: Promise<boolean> = Promise.resolve(true);
    // Set once a chunk's apply failed or was abandoned: the chunks after it are neither decoded nor applied.
    let stopped = false;
    const onSettled = (link: Promise<boolean>): void => {
      link.then(
        (ok) => {
          if (!ok) stopped = true;
        },
        () => {
          stopped = true;
        },
      );
    };
    let complete = true;
    for (let from = 0; from < batch.messages.length; from += size) {
      // Let the event loop read the replies of the chunk just handed over, so its apply resolves and
      // the next one can start while this thread decodes.
      if (from > 0) await nextTurn();
      if (stopped || !payload.isRunning() || payload.isStale()) {
        complete = false;
        break;
      }
      const messages = batch.messages.slice(from, from + size);
      const lastOffset = messages.at(-1)!.offset;
      const range = `${messages[0]!.offset}..${lastOffset}`;
      let decoded: { value: ConsumedEvent<T>[] } | undefined;
      try {
        decoded = await untilDone(payload, () => decodeAndDeadLetter(payload, messages, lastOffset), range);
      } catch (err) {
        // A chunk applied ahead of this one must not outlive the batch: wait for it, then fail.
        await chain;
        throw err;
      }
      if (!decoded) {
        complete = false;
        break;
      }
      const events = decoded.value;
      chain = chain.then(async (ok) => ok && (await untilDone(payload, () => apply(payload, events, lastOffset), range)) !== undefined);
      onSettled(chain);
    }
    // Every chunk's apply has settled before the batch ends, so the next batch of this partition
    // never overlaps it; a chunk's failure is thrown here.
    const applied = await chain;
    if (!applied || !complete) return false;
    return (await untilDone(payload, () => commit(payload))) !== undefined;
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    if (batch.messages.length === 0) return;
    const stopTimer = batchSeconds.startTimer({ topic: batch.topic });
    const chunkSize = options.chunkSize;
    const done = chunkSize !== undefined && batch.messages.length > chunkSize ? await inChunks(payload, chunkSize) : await wholeBatch(payload);
    if (!done) return;
    consumed.inc({ topic: batch.topic }, batch.messages.length);
    lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    stopTimer();
  }

  return {
    consumer,
    isHealthy: () => healthy,
    async start() {
      await producer.connect();
      await consumer.connect();
      for (const topic of options.topics) await consumer.subscribe({ topic, fromBeginning: options.fromBeginning ?? true });
      await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1, eachBatch });
    },
    async close() {
      healthy = false;
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}

/** Wraps a failed call to a dependency as a retriable error, keeping the cause. */
export function unavailable(code: 'CB_REDIS_UNAVAILABLE' | 'CB_KAFKA_UNAVAILABLE', err: unknown, what: string): CallboardError {
  return new CallboardError(code, `${what}: ${(err as Error)?.message ?? String(err)}`, { cause: err, retriable: true });
}
