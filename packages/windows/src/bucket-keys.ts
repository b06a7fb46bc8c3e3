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
  };
}

/** A tenant's agents, one hash: agent id to its latest state (DESIGN §3 live state). */
export function tenantAgentsKey(namespace: string, tenantId: string): string {
  return `${namespace}:{${checkId('tenantId', tenantId)}}:agents`;
}

/** Applied offset and watermark of one partition, for one consumer group. */
export function partitionKey(namespace: string, group: string, topic: string, partition: number): string {
  return `${namespace}:p:{${group}:${topic}:${partition}}`;
}

/** Queues with recent writes, scored by the wall-clock time of the last one. */
export function activeQueuesKey(namespace: string): string {
  return `${namespace}:active`;
}

/** Late events waiting to be published to cc.late.v1 (a transactional outbox). */
export function lateOutboxKey(namespace: string, group: string): string {
  return `${namespace}:late-outbox:{${group}}`;
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
