import type { CallboardError } from '@callboard/errors';
import { type CanonicalEvent, isCallEvent } from './contract.js';
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
