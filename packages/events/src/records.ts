import type { CallboardError } from '@callboard/errors';
import { type CanonicalEvent, IDENTIFIER_PATTERN, isCallEvent } from './contract.js';
import { formatJsonLine } from './jsonl.js';

/** Where a Kafka record came from. Offsets are int64 decimal strings, as kafkajs gives them. */
export interface SourceCoordinates {
  topic: string;
  partition: number;
  offset: string;
}

/** A record for `cc.dlq.v1`: the raw bytes, why they were refused, and where they came from. */
export interface DlqRecord {
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  key: Buffer | null;
  value: Buffer | null;
  reasonCode: string;
  reason: string;
  service: string;
  at: string;
}

export function dlqRecord(
  source: SourceCoordinates,
  raw: { key: Buffer | null; value: Buffer | null },
  error: CallboardError,
  service: string,
  now: Date = new Date(),
): DlqRecord {
  return {
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: source.offset,
    key: raw.key,
    value: raw.value,
    reasonCode: error.code,
    reason: error.message,
    service,
    at: now.toISOString(),
  };
}

/** The DLQ key keeps every refusal from one source partition together, in order. */
export function dlqKey(source: SourceCoordinates): string {
  return `${source.topic}/${source.partition}/${source.offset}`;
}

/** A record for `cc.late.v1`: an event older than its partition's watermark minus grace. */
export interface LateRecord {
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  eventId: string;
  tenantId: string;
  queueId?: string;
  type: string;
  occurredAt: string;
  watermark: string;
  graceMs: number;
  event: string;
}

export function lateRecord(source: SourceCoordinates, event: CanonicalEvent, watermarkMs: number, graceMs: number): LateRecord {
  return {
    sourceTopic: source.topic,
    sourcePartition: source.partition,
    sourceOffset: source.offset,
    eventId: event.eventId,
    tenantId: event.tenantId,
    ...(isCallEvent(event) ? { queueId: event.queueId } : {}),
    type: event.type,
    occurredAt: event.occurredAt,
    watermark: new Date(watermarkMs).toISOString(),
    graceMs,
    event: formatJsonLine(event).trimEnd(),
  };
}

/**
 * A record for `cc.source-status.v1`: one source's heartbeat (docs/decisions/0008-source-freshness.md).
 * Instants are ISO strings, like every JSON form.
 */
export interface SourceHeartbeatRecord {
  tenantId: string;
  /** The `source` its events carry (DESIGN §2), at most 128 characters. */
  source: string;
  /** The source's own clock at sending. */
  sentAt: string;
  /** occurredAt of the newest event it produced since it started; absent before the first. */
  newestEventAt?: string;
  eventsSent: number;
  intervalMs: number;
  instanceId: string;
}

/** The key of a source's heartbeats: `<tenantId>/<source>` (a tenant id holds no `/`, so the first one splits). */
export function sourceHeartbeatKey(tenantId: string, source: string): string {
  return `${tenantId}/${source}`;
}

const isInstant = (v: unknown): v is string => typeof v === 'string' && Number.isFinite(Date.parse(v));

/**
 * A decoded `cc.source-status.v1` value checked for what readers use, or `undefined` when it is not a
 * heartbeat (a reader sends such a record to the DLQ).
 */
export function parseSourceHeartbeat(value: Record<string, unknown>): SourceHeartbeatRecord | undefined {
  const v = value as Partial<SourceHeartbeatRecord>;
  if (typeof v.tenantId !== 'string' || !IDENTIFIER_PATTERN.test(v.tenantId)) return undefined;
  if (typeof v.source !== 'string' || v.source.length === 0 || v.source.length > 128) return undefined;
  if (!isInstant(v.sentAt) || (v.newestEventAt !== undefined && !isInstant(v.newestEventAt))) return undefined;
  if (typeof v.eventsSent !== 'number' || typeof v.intervalMs !== 'number' || typeof v.instanceId !== 'string') return undefined;
  return v as SourceHeartbeatRecord;
}
