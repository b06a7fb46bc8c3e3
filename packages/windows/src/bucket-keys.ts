import { CallboardError } from '@callboard/errors';
import { IDENTIFIER_PATTERN } from '@callboard/events';

/** DESIGN §4: fine buckets are 10 s, interval buckets 15 min, both aligned to the epoch. */
export const FINE_BUCKET_MS = 10_000;
export const INTERVAL_BUCKET_MS = 15 * 60_000;
/** Fine buckets are stored six to a hash, one hash per minute, to keep per-key overhead down. */
export const FINE_GROUP_MS = 60_000;
export const FINE_SLOTS_PER_GROUP = FINE_GROUP_MS / FINE_BUCKET_MS;
/**
 * What follows the queue prefix in a bucket key, before the bucket's start in epoch ms.
 * `apply-batch-2.lua` is given these and the bucket sizes, so that it rebuilds exactly these keys
 * for an event it remembers by its time alone (docs/decisions/0006-invalid-visits.md).
 */
export const BUCKET_KEY_TAGS = { fine: 'f:', interval: 'i:' } as const;

function checkId(kind: string, value: string): string {
  if (!IDENTIFIER_PATTERN.test(value)) {
    throw new CallboardError('CB_KEY_INVALID', `${kind} ${JSON.stringify(value)} would break the Redis key rules: it must match [A-Za-z0-9_.-]{1,64}`);
  }
  return value;
}

/**
 * Every Redis key of one queue, all under the hash tag `{tenant:queue}` so a multi-key script over
 * one queue stays in one Redis Cluster slot. The only module that builds keys.
 */
export interface QueueKeys {
  /** `cb:{tenant:queue}:`; scripts append the suffixes below. */
  prefix: string;
  fine(groupStartMs: number): string;
  interval(startMs: number): string;
  waiting: string;
  stats: string;
  visit(callId: string): string;
  /** Applied offset and watermark per `group:topic:partition` (see {@link offsetsField}). */
  offsets: string;
  /** Late events of this queue from one partition, waiting for cc.late.v1. */
  late(offsetsField: string): string;
  /** A survey, judged like a one-event visit (decision 0010 §3). */
  survey(surveyId: string): string;
  /** Contact facts for repeat-contact FCR, waiting to be drained into the tenant (decision 0010 §5). */
  contactsOutbox: string;
}

export function queueKeys(namespace: string, tenantId: string, queueId: string): QueueKeys {
  const prefix = `${namespace}:{${checkId('tenantId', tenantId)}:${checkId('queueId', queueId)}}:`;
  return {
    prefix,
    fine: (groupStartMs) => `${prefix}${BUCKET_KEY_TAGS.fine}${groupStartMs}`,
    interval: (startMs) => `${prefix}${BUCKET_KEY_TAGS.interval}${startMs}`,
    waiting: `${prefix}waiting`,
    stats: `${prefix}stats`,
    visit: (callId) => `${prefix}v:${callId}`,
    offsets: `${prefix}offsets`,
    late: (field) => `${prefix}late:${field}`,
    survey: (surveyId) => `${prefix}s:${surveyId}`,
    contactsOutbox: `${prefix}fcr-out`,
  };
}

/** Every key of one tenant's agent state, under the hash tag `{tenant}` (DESIGN §5). */
export interface TenantKeys {
  /** Agent id to its latest state (DESIGN §3 live state). */
  agents: string;
  offsets: string;
  late(offsetsField: string): string;
  /**
   * Per-source freshness (docs/decisions/0008-source-freshness.md): newest event applied, last
   * heartbeat, newest event the source reported, one field each per source (source-freshness.ts).
   */
  sources: string;
  /** `ns:{tenant}:`: tenant-tag scripts append the suffixes below. */
  prefix: string;
  /**
   * The prefix of a queue's tenant-tag keys (`q:<queueId>:`), or of the tenant level (`t:`) for
   * `null`: complaints of that queue and its repeat-contact FCR (decision 0010 §4, §5).
   */
  scope(queueId: string | null): string;
  /** Complaint and FCR counters of a queue (or the tenant level): fine bucket of one minute. */
  fine(queueId: string | null, groupStartMs: number): string;
  /** Complaint and FCR counters of a queue (or the tenant level): one 15 min interval. */
  interval(queueId: string | null, startMs: number): string;
  /** One complaint: a field per distinct eventId, and `meta`. */
  complaint(complaintId: string): string;
  /** Open complaints (score: filing time) of a queue, or of the whole tenant for `null`. */
  complaintsOpen(queueId: string | null): string;
  /** Open, unanswered complaints (score: due time) of a queue, or of the whole tenant for `null`. */
  complaintsDue(queueId: string | null): string;
  /** Complaints filed per calendar month (`YYYY-MM` of the tenant's zone): field queueId, `*` for queue-less. */
  complaintsMonth(month: string): string;
  /** The contacts of one callerKey (repeat-contact FCR). */
  callerKey(callerKey: string): string;
  /** Handled contacts of a queue without a repeat yet, scored by offer time. */
  fcrOpen(queueId: string): string;
  /** The tenant's event clock: the newest applied call-event time, epoch ms. */
  clock: string;
}

export function tenantKeys(namespace: string, tenantId: string): TenantKeys {
  const prefix = `${namespace}:{${checkId('tenantId', tenantId)}}:`;
  const scope = (queueId: string | null): string => (queueId === null ? `${prefix}t:` : `${prefix}q:${checkId('queueId', queueId)}:`);
  return {
    agents: `${prefix}agents`,
    offsets: `${prefix}offsets`,
    late: (field) => `${prefix}late:${field}`,
    sources: `${prefix}sources`,
    prefix,
    scope,
    fine: (queueId, groupStartMs) => `${scope(queueId)}${BUCKET_KEY_TAGS.fine}${groupStartMs}`,
    interval: (queueId, startMs) => `${scope(queueId)}${BUCKET_KEY_TAGS.interval}${startMs}`,
    complaint: (complaintId) => `${prefix}cp:${complaintId}`,
    complaintsOpen: (queueId) => (queueId === null ? `${prefix}cp-open` : `${scope(queueId)}cp-open`),
    complaintsDue: (queueId) => (queueId === null ? `${prefix}cp-due` : `${scope(queueId)}cp-due`),
    complaintsMonth: (month) => `${prefix}cpm:${month}`,
    callerKey: (callerKey) => `${prefix}ck:${callerKey}`,
    fcrOpen: (queueId) => `${scope(queueId)}fcr-open`,
    clock: `${prefix}clock`,
  };
}

/** The field of a partition in a queue's or tenant's offsets hash; no part holds a colon. */
export function offsetsField(group: string, topic: string, partition: number): string {
  return `${group}:${topic}:${partition}`;
}

/**
 * Which queues and tenants one partition has touched, for one consumer group: the first and
 * latest batch of each (touch-partition-1.lua). In the partition's own slot.
 */
export function partitionIndexKey(namespace: string, group: string, topic: string, partition: number): string {
  return `${namespace}:pi:{${group}:${topic}:${partition}}`;
}

/** A tenant's agents, one hash: agent id to its latest state (DESIGN §3 live state). */
export function tenantAgentsKey(namespace: string, tenantId: string): string {
  return tenantKeys(namespace, tenantId).agents;
}

/**
 * The previous layout (before issue 9): one hash per partition with its applied offset and
 * watermark. Only read, to refuse or migrate an old store (docs/decisions/0007-one-slot-per-call.md).
 */
export function legacyPartitionKey(namespace: string, group: string, topic: string, partition: number): string {
  return `${namespace}:p:{${group}:${topic}:${partition}}`;
}

/** The previous layout's late outbox of one partition; only read by the migration. */
export function legacyLateOutboxKey(namespace: string, group: string, topic: string, partition: number): string {
  return `${namespace}:late-outbox:{${group}:${topic}:${partition}}`;
}

/** Tenants with recent complaint writes, scored by the wall-clock time of the last one. */
export function activeTenantsKey(namespace: string): string {
  return `${namespace}:active-tenants`;
}

/** Queues with recent writes, scored by the wall-clock time of the last one. */
export function activeQueuesKey(namespace: string): string {
  return `${namespace}:active`;
}


export function fineGroupStart(ms: number): number {
  return Math.floor(ms / FINE_GROUP_MS) * FINE_GROUP_MS;
}

export function fineSlot(ms: number): number {
  return Math.floor((ms % FINE_GROUP_MS) / FINE_BUCKET_MS);
}

export function intervalStart(ms: number): number {
  return Math.floor(ms / INTERVAL_BUCKET_MS) * INTERVAL_BUCKET_MS;
}
