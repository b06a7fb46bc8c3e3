import type { Kafka } from 'kafkajs';
import { CallboardError, retry } from '@callboard/errors';
import type { EventCodec } from '@callboard/events';
import { createEventConsumer, type EventConsumer, type Logger, type RecordDecoder, type Registry, unavailable } from '@callboard/runtime';
import type { KpiView } from '@callboard/windows';
import type { AlertRecord, Hub } from './hub.js';

export interface SourcesDeps {
  kafka: Kafka;
  codec: EventCodec;
  hub: Hub;
  logger: Logger;
  metrics: Registry;
  /** Per instance: every gateway instance must see every record (issue 5 "Several gateway instances"). */
  groupId: string;
  onFatal?: (err: unknown) => void;
}

export interface Sources {
  start(): Promise<void>;
  close(): Promise<void>;
  /** Both consumers joined and the compacted KPI topic was read up to where it ended at start. */
  isReady(): boolean;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * A queue's snapshot, or the tenant total: its `queueId` is null, which the Avro JSON form leaves out
 * (top-level nulls are dropped), so an absent `queueId` is the total; `planning` likewise becomes null.
 */
function snapshotDecoder(codec: EventCodec): RecordDecoder<KpiView> {
  return async (value) => {
    const decoded = await codec.decode(value);
    if (!decoded.ok) return decoded;
    const v = decoded.value as Partial<KpiView>;
    const queueId = v.queueId ?? null;
    const ok = isString(v.tenantId) && (queueId === null || isString(queueId)) && isString(v.at) && Array.isArray(v.windows) && typeof v.live === 'object' && v.live !== null;
    return ok ? { ok: true, event: { ...v, queueId, planning: v.planning ?? null } as KpiView } : { ok: false, error: new CallboardError('CB_EVENT_INVALID', 'not a KPI snapshot: tenantId, at, windows and live are required, and queueId a queue or absent (the tenant total)') };
  };
}

function alertDecoder(codec: EventCodec): RecordDecoder<AlertRecord> {
  return async (value) => {
    const decoded = await codec.decode(value);
    if (!decoded.ok) return decoded;
    const v = decoded.value as Partial<AlertRecord>;
    const ok = isString(v.fingerprint) && isString(v.tenantId) && isString(v.queueId) && isString(v.kind);
    return ok ? { ok: true, event: v as AlertRecord } : { ok: false, error: new CallboardError('CB_EVENT_INVALID', 'not an alert record: fingerprint, kind, tenantId and queueId are required') };
  };
}

/**
 * Feeds the hub from Kafka: cc.kpi.v1 from the beginning (compacted, so that is the latest snapshot
 * of every queue, then live), cc.alerts.v1 from the latest offset (alerts before the start are in
 * the AlertStore, served by REST).
 */
export function createSources(deps: SourcesDeps): Sources {
  const log = deps.logger.child({ module: 'sources' });
  const topology = deps.codec.topology;
  const endAtStart = new Map<number, bigint>();
  const readUpTo = new Map<number, bigint>();
  let caughtUp = false;

  const kpi: EventConsumer = createEventConsumer<KpiView>({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: deps.logger,
    metrics: deps.metrics,
    service: 'gateway',
    groupId: `${deps.groupId}-kpi`,
    topics: [topology.kpi.name],
    fromBeginning: true,
    decode: snapshotDecoder(deps.codec),
    partitionsConsumedConcurrently: 3,
    ...(deps.onFatal ? { onFatal: deps.onFatal } : {}),
    async handleBatch(batch) {
      deps.hub.batch(() => {
        for (const e of batch.events) deps.hub.applySnapshot(e.event);
      });
      readUpTo.set(batch.partition, BigInt(batch.lastOffset) + 1n);
      checkCaughtUp();
    },
  });
  const alerts: EventConsumer = createEventConsumer<AlertRecord>({
    kafka: deps.kafka,
    codec: deps.codec,
    logger: deps.logger,
    metrics: deps.metrics,
    service: 'gateway',
    groupId: `${deps.groupId}-alerts`,
    topics: [topology.alerts.name],
    fromBeginning: false,
    decode: alertDecoder(deps.codec),
    ...(deps.onFatal ? { onFatal: deps.onFatal } : {}),
    async handleBatch(batch) {
      for (const e of batch.events) deps.hub.applyAlert(e.event);
    },
  });

  function checkCaughtUp(): void {
    if (caughtUp) return;
    for (const [partition, end] of endAtStart) if ((readUpTo.get(partition) ?? 0n) < end) return;
    caughtUp = true;
    log.info({ topic: topology.kpi.name }, 'latest KPI snapshots loaded');
  }

  return {
    async start() {
      const admin = deps.kafka.admin();
      await admin.connect();
      try {
        // Right after the topics were created the brokers may not know them yet: retry, bounded.
        const offsets = await retry(
          async () => {
            try {
              return await admin.fetchTopicOffsets(topology.kpi.name);
            } catch (err) {
              throw unavailable('CB_KAFKA_UNAVAILABLE', err, `reading the offsets of ${topology.kpi.name}`);
            }
          },
          { attempts: 10, initialDelayMs: 200, maxDelayMs: 3000, onRetry: (err, attempt) => log.warn({ err, attempt }, 'cannot read the KPI topic offsets yet; retrying') },
        );
        for (const p of offsets) {
          // An empty partition (low == high) has nothing to load.
          if (BigInt(p.high) > BigInt(p.low)) endAtStart.set(p.partition, BigInt(p.high));
        }
      } finally {
        await admin.disconnect();
      }
      checkCaughtUp();
      await kpi.start();
      await alerts.start();
    },
    async close() {
      await Promise.all([kpi.close(), alerts.close()]);
    },
    isReady: () => caughtUp && kpi.isHealthy() && alerts.isHealthy(),
  };
}
