import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { CallboardError, isCallboardError } from '@callboard/errors';
import { type CanonicalEvent, type EventCodec, lateRecord, parseEvent, type SourceHeartbeatRecord, type Topology } from '@callboard/events';
import type { QueueConfig } from '@callboard/queue-config';
import { createEventConsumer, type EventBatch, type EventConsumer, type Logger, type Registry, sendByPartition, unavailable } from '@callboard/runtime';
import { type ApplyBatchResult, type MonthCache, monthOf, type PartitionRef, type QueueLoadCache, readQueueView, readSourceFreshness, readTenantView, type SourceFreshness, type SourceJudgement, type QueueView, type WindowStore } from '@callboard/windows';
import { createAggregatorMetrics } from './metrics.js';
import { heartbeatDecoder, SourceTracker } from './source-tracker.js';

export interface AggregatorDeps {
  kafka: Kafka;
  codec: EventCodec;
  store: WindowStore;
  queues: QueueConfig;
  logger: Logger;
  metrics: Registry;
  groupId: string;
  graceMs: number;
  maxSkewMs: number;
  snapshotIntervalMs: number;
  concurrency?: number;
  /**
   * Records of a partition batch handed to the store at a time, each chunk as soon as it is decoded,
   * so Redis applies one chunk while Node decodes the next (issue 9 item 5); default
   * {@link AGGREGATOR_CHUNK_SIZE}.
   */
  chunkSize?: number;
  /**
   * How snapshots judge a source stale (docs/decisions/0008-source-freshness.md): no heartbeat for
   * `silentAfterMs` (default 60 s), and optionally a newest event older than `maxEventAgeMs`.
   */
  sources?: SourceJudgement;
  /** Wall clock; injectable for tests. */
  now?: () => number;
  onFatal?: (err: unknown) => void;
}

export interface Aggregator {
  start(): Promise<void>;
  close(): Promise<void>;
  isReady(): boolean;
  /** Publishes one round of snapshots now, if this instance holds the snapshot lease. */
  publishSnapshots(): Promise<number>;
}

const SNAPSHOT_LEASE_MS = 5_000;

/**
 * A tenant total sums every queue with counters in its longest window, `today` (at most 25 h on a DST
 * day), not only the queues active in fine retention that get their own snapshot.
 */
const TENANT_TOTAL_LOOKBACK_MS = 26 * 3600_000;

/** Records per chunk of a partition batch (docs/benchmarks.md, issue 9: measured against other sizes). */
export const AGGREGATOR_CHUNK_SIZE = 500;

/** Every partition of the aggregator's two topics, as the store names them for `groupId`. */
export async function aggregatorPartitions(kafka: Kafka, groupId: string, topology: Topology): Promise<PartitionRef[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { topics } = await admin.fetchTopicMetadata({ topics: [topology.callEvents.name, topology.agentEvents.name, topology.feedbackEvents.name] });
    return topics.flatMap((t) => t.partitions.map((p) => ({ group: groupId, topic: t.name, partition: p.partitionId })));
  } catch (err) {
    throw unavailable('CB_KAFKA_UNAVAILABLE', err, 'reading the partitions of the event topics');
  } finally {
    await admin.disconnect();
  }
}

/**
 * The aggregator (DESIGN §1): consumes call and agent events, applies each partition batch to Redis
 * chunk by chunk as it decodes (one script call per queue and tenant of a chunk, decision 0007), then
 * commits; publishes a KPI snapshot of every active queue on a wall-clock tick.
 */
export function createAggregator(deps: AggregatorDeps): Aggregator {
  const log = deps.logger.child({ module: 'aggregator' });
  const now = deps.now ?? Date.now;
  const m = createAggregatorMetrics(deps.metrics);
  const instanceId = randomUUID();
  const topology = deps.codec.topology;
  const producer: Producer = deps.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  let consumer: EventConsumer | undefined;
  let heartbeats: EventConsumer | undefined;
  const sources = new SourceTracker(deps.store, now);
  let ticker: NodeJS.Timeout | undefined;
  let ticking = false;
  let closed = false;

  function screen(event: CanonicalEvent): CallboardError | undefined {
    // A PBX with a wrong clock must not poison the watermark (DESIGN §4).
    const aheadMs = Date.parse(event.occurredAt) - now();
    if (aheadMs > deps.maxSkewMs) {
      return new CallboardError('CB_EVENT_TOO_FAR_AHEAD', `occurredAt ${event.occurredAt} is ${Math.round(aheadMs / 1000)} s ahead of the wall clock (max skew ${deps.maxSkewMs / 1000} s)`);
    }
    return undefined;
  }

  /** Drains the late lists of `members` (default: every queue and tenant the partition touched). */
  async function publishLate(ref: PartitionRef, members?: string[]): Promise<void> {
    for (;;) {
      const pending = await deps.store.pendingLate(ref, 500, members);
      if (pending.length === 0) return;
      const messages = await Promise.all(
        pending.map(async (entry) => {
          const event = parseEvent(JSON.parse(entry.event));
          const record = lateRecord({ topic: ref.topic, partition: ref.partition, offset: String(entry.offset) }, event, entry.watermark, deps.graceMs);
          return { key: `${record.tenantId}/${record.queueId ?? ''}`, value: await deps.codec.encode(topology.late.name, { ...record }) };
        }),
      );
      try {
        await sendByPartition(producer, topology, topology.late.name, messages);
      } catch (err) {
        throw unavailable('CB_KAFKA_UNAVAILABLE', err, `publishing to ${topology.late.name}`);
      }
      // At least once: a crash between send and trim republishes these, never loses them.
      await deps.store.ackLate(ref, pending);
      m.latePublished.inc(pending.length);
    }
  }

  /**
   * A queue or tenant holds another applied offset than this process left it with: a Redis failover
   * lost writes, or another instance applied the partition meanwhile (decision 0007 "Failover").
   * Nothing of the batch was written to it. The partition goes back to where the store says and
   * the batch is abandoned uncommitted (a seek makes it stale); every queue skips what it holds.
   */
  function replayFrom(batch: EventBatch, err: CallboardError): void {
    const offset = String(err.context.resumeAt);
    m.replays.inc({ topic: batch.topic });
    log.warn({ err, topic: batch.topic, partition: batch.partition, offset }, 'stored offsets diverged from what this instance applied; replaying the partition from the store\'s point');
    consumer!.consumer.seek({ topic: batch.topic, partition: batch.partition, offset });
  }

  /**
   * What the store asks of the settings while applying: a queue's, a tenant's wave 2 ones (complaint
   * due times, the repeat window) and the calendar month of a complaint filing in the tenant's zone.
   */
  const batchSettings = {
    settingsFor: (tenantId: string, queueId: string) => deps.queues.resolve(tenantId, queueId),
    tenantSettingsFor: (tenantId: string) => deps.queues.tenantSettings(tenantId),
    monthOf: (tenantId: string, ms: number) => monthOf(deps.queues.clock(tenantId), ms),
  };

  async function handleBatch(batch: EventBatch): Promise<void> {
    const ref = { group: deps.groupId, topic: batch.topic, partition: batch.partition };
    // Called for a batch of only refused records too, so the stored offset moves past them.
    const stop = m.scriptSeconds.startTimer();
    // Beside the apply, not after it: per-source freshness adds no wait to the chunk (decision 0008).
    const noted = sources.noteEvents(batch.events).catch((err: unknown) => log.warn({ err, topic: batch.topic, partition: batch.partition }, 'source freshness not noted; the next chunk notes it'));
    let result: ApplyBatchResult;
    try {
      result = await deps.store.applyBatch({ ...ref, events: batch.events, lastOffset: batch.lastOffset, ...batchSettings, nowMs: now() });
    } catch (err) {
      if (isCallboardError(err, 'CB_STORE_DIVERGED')) replayFrom(batch, err);
      throw err;
    } finally {
      stop();
      await noted;
    }
    m.events.inc({ result: 'applied' }, result.applied);
    m.events.inc({ result: 'duplicate' }, result.duplicates);
    m.events.inc({ result: 'anomaly' }, result.anomalies);
    m.events.inc({ result: 'late' }, result.late);
    m.events.inc({ result: 'redelivered' }, result.redelivered);
    if (result.anomalies > 0) log.warn({ topic: batch.topic, partition: batch.partition, anomalies: result.anomalies }, 'impossible call transitions counted, not applied');
    if (result.late > 0) log.info({ topic: batch.topic, partition: batch.partition, late: result.late, watermark: new Date(result.watermark).toISOString() }, 'late events held for cc.late.v1');
    if (result.lateMembers.length > 0) await publishLate(ref, result.lateMembers);
  }

  /**
   * One round of snapshots: every named queue and every queue active in fine retention, then the total
   * of every tenant with queues or complaints (key `<tenantId>/*`, `queueId: null`, decision 0010 §6).
   */
  async function publishSnapshots(): Promise<number> {
    if (!(await deps.store.acquireLease(`snapshots:${deps.groupId}`, instanceId, SNAPSHOT_LEASE_MS))) return 0;
    const stop = m.snapshotSeconds.startTimer();
    const at = now();
    const [recent, today, complaintTenants] = await Promise.all([
      deps.store.activeQueues(at - deps.store.fineRetentionMs),
      deps.store.activeQueues(at - TENANT_TOTAL_LOOKBACK_MS),
      deps.store.activeTenants(at - TENANT_TOTAL_LOOKBACK_MS),
    ]);
    const seen = new Map<string, { tenantId: string; queueId: string }>();
    for (const q of [...deps.queues.namedQueues(), ...recent]) seen.set(`${q.tenantId}/${q.queueId}`, q);
    const tenants = new Map<string, Set<string>>(complaintTenants.map((t) => [t, new Set()]));
    for (const q of [...seen.values(), ...today]) {
      let queues = tenants.get(q.tenantId);
      if (!queues) tenants.set(q.tenantId, (queues = new Set()));
      queues.add(q.queueId);
    }
    // One load per queue per tick, however many multi-queue agents' shares need it (issue 8 item 13).
    const loads: QueueLoadCache = new Map();
    // One read of each tenant's sources per tick; every queue of the tenant carries the list.
    const freshness = new Map<string, Promise<SourceFreshness[]>>();
    const sourcesOf = (tenantId: string): Promise<SourceFreshness[]> => {
      let read = freshness.get(tenantId);
      if (!read) freshness.set(tenantId, (read = readSourceFreshness(deps.store, tenantId, at, deps.sources)));
      return read;
    };
    // One read of each tenant's month counters per tick, shared by its queues and its total.
    const months: MonthCache = new Map();
    // The queue views of this tick, by tenant: the totals add them up instead of reading them again.
    const viewsRead = new Map<string, Map<string, QueueView>>();
    const queueMessages = await Promise.all(
      [...seen].map(async ([key, q]) => {
        const [view, tenantSources] = await Promise.all([readQueueView(deps.store, deps.queues.resolve(q.tenantId, q.queueId), at, { nowMs: at, loads, tenants: deps.queues, months }), sourcesOf(q.tenantId)]);
        let byQueue = viewsRead.get(q.tenantId);
        if (!byQueue) viewsRead.set(q.tenantId, (byQueue = new Map()));
        byQueue.set(q.queueId, view);
        return { key, value: await deps.codec.encode(topology.kpi.name, { ...view, sources: tenantSources }) };
      }),
    );
    const tenantMessages = await Promise.all(
      [...tenants].map(async ([tenantId, queueIds]) => {
        const [view, tenantSources] = await Promise.all([
          readTenantView(deps.store, deps.queues, tenantId, [...queueIds].sort(), at, { nowMs: at, queueViews: viewsRead.get(tenantId), months }),
          sourcesOf(tenantId),
        ]);
        return { key: `${tenantId}/*`, value: await deps.codec.encode(topology.kpi.name, { ...view, sources: tenantSources }) };
      }),
    );
    const messages = [...queueMessages, ...tenantMessages];
    if (messages.length > 0) await sendByPartition(producer, topology, topology.kpi.name, messages);
    m.snapshots.inc(messages.length);
    stop();
    return messages.length;
  }

  /** A store of the previous layout would be counted twice from its Kafka offsets: refuse it (decision 0007). */
  async function refuseLegacyLayout(): Promise<void> {
    const legacy = await deps.store.legacyPartitions(await aggregatorPartitions(deps.kafka, deps.groupId, topology));
    if (legacy.length > 0) {
      throw new CallboardError(
        'CB_STORE_LAYOUT_OLD',
        `Redis namespace ${deps.store.namespace} holds applied offsets of the previous store layout for ${legacy.length} partition(s) of group ${deps.groupId} (e.g. ${legacy[0]!.topic}[${legacy[0]!.partition}]); stop every aggregator of the group and run \`callboard store migrate\` once, then start again`,
        { namespace: deps.store.namespace, groupId: deps.groupId, partitions: legacy.length },
      );
    }
  }

  function scheduleTick(): void {
    if (closed) return;
    // Aligned to the wall-clock second, so every instance and every screen ticks together.
    const delay = deps.snapshotIntervalMs - (now() % deps.snapshotIntervalMs);
    ticker = setTimeout(() => {
      if (!ticking) {
        ticking = true;
        publishSnapshots()
          .catch((err: unknown) => log.warn({ err }, 'snapshot tick failed; next tick retries'))
          .finally(() => {
            ticking = false;
          });
      }
      scheduleTick();
    }, delay);
  }

  return {
    publishSnapshots,
    isReady: () => (consumer?.isHealthy() ?? false) && (heartbeats?.isHealthy() ?? false),
    async start() {
      await refuseLegacyLayout();
      await producer.connect();
      consumer = createEventConsumer({
        kafka: deps.kafka,
        codec: deps.codec,
        logger: deps.logger,
        metrics: deps.metrics,
        service: 'aggregator',
        groupId: deps.groupId,
        topics: [topology.callEvents.name, topology.agentEvents.name, topology.feedbackEvents.name],
        fromBeginning: true,
        screen,
        partitionsConsumedConcurrently: deps.concurrency ?? 2,
        chunkSize: deps.chunkSize ?? AGGREGATOR_CHUNK_SIZE,
        handleBatch,
        // Redis, not Kafka, says what is applied: a queue behind its partition's index replays from its
        // own offset (decision 0007); otherwise Kafka's committed offset stands.
        resumeFrom: async (topic, partition) => {
          const ref = { group: deps.groupId, topic, partition };
          const point = await deps.store.resume(ref);
          // Late entries a crash left between a batch and their publication.
          await publishLate(ref).catch((err: unknown) => log.warn({ err, topic, partition }, 'late events not published at resume; the next late event of their queue publishes them'));
          return point.resumeAt === undefined ? undefined : String(point.resumeAt);
        },
        onFatal: deps.onFatal,
      });
      await consumer.start();
      // Heartbeats in a group of their own: every instance takes a share and writes it to Redis, so
      // whichever instance publishes snapshots sees them all (decision 0008).
      heartbeats = createEventConsumer<SourceHeartbeatRecord>({
        kafka: deps.kafka,
        codec: deps.codec,
        logger: deps.logger,
        metrics: deps.metrics,
        service: 'aggregator',
        groupId: `${deps.groupId}.source-status`,
        topics: [topology.sourceStatus.name],
        fromBeginning: true,
        decode: heartbeatDecoder(deps.codec),
        handleBatch: async (batch) => {
          try {
            await sources.noteHeartbeats(batch.events.map((e) => e.event));
          } catch (err) {
            throw unavailable('CB_REDIS_UNAVAILABLE', err, 'noting source heartbeats');
          }
        },
        onFatal: deps.onFatal,
      });
      await heartbeats.start();
      scheduleTick();
      log.info({ groupId: deps.groupId, instanceId }, 'aggregator started');
    },
    async close() {
      closed = true;
      clearTimeout(ticker);
      await consumer?.close();
      await heartbeats?.close();
      await producer.disconnect();
    },
  };
}
