import { escapeGlob, nodesOf, type Redis, type RedisClient } from '@callboard/runtime';
import { FINE_GROUP_MS, INTERVAL_BUCKET_MS, tenantAgentsKey, type WindowStore } from '@callboard/windows';

const HOUR_MS = 3600_000;
export const KEY_KINDS = ['interval', 'fine', 'visit', 'waiting', 'stats', 'other'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];

export interface KindStats {
  keys: number;
  bytes: number;
  maxBytes: number;
}

export interface QueueMemory {
  tenantId: string;
  queueId: string;
  kinds: Record<KeyKind, KindStats>;
  /** Every key under the queue's hash tag, as measured. */
  queueBytes: number;
  /** The tenant's agents hash divided among the tenant's queues. */
  agentsShareBytes: number;
  /** Partition offsets, the active-queue index, leases, divided among all queues. */
  sharedShareBytes: number;
  measuredBytes: number;
  visitsPerHour: number;
  projection: Breakdown;
  /**
   * The keys a live deployment would still hold if the last simulated instant were now: interval
   * hashes of the last 8 days and fine hashes of the last (fine retention + grace), summed as stored,
   * and the visits offered within the visit TTL at the measured mean visit size.
   */
  window: Breakdown & { intervalKeys: number; fineKeys: number; visits: number };
}

export interface Breakdown {
  intervalBytes: number;
  fineBytes: number;
  visitBytes: number;
  restBytes: number;
  totalBytes: number;
  /** Keys this breakdown stands for. */
  keys: number;
  /** Per-key overhead MEMORY USAGE does not count, once {@link estimateKeyOverhead} ran (not in totalBytes). */
  overheadBytes: number;
}

/** A queue with the times of its offers (visits), from the pre-fill. */
export interface MeasuredQueue {
  tenantId: string;
  queueId: string;
  offeredAt: number[];
}

export interface MemoryReport {
  queues: QueueMemory[];
  params: { intervalBuckets: number; fineHashes: number; visitTtlHours: number; simulatedHours: number; sharedBytes: number; agentsBytes: number };
}

function kindOf(suffix: string): KeyKind {
  if (suffix.startsWith('i:')) return 'interval';
  if (suffix.startsWith('f:')) return 'fine';
  if (suffix.startsWith('v:')) return 'visit';
  if (suffix === 'waiting') return 'waiting';
  if (suffix === 'stats') return 'stats';
  return 'other';
}

/** Keys matching `match` with the node that holds them: the one node, or each master of a Cluster in turn. */
async function* scanKeys(redis: RedisClient, match: string): AsyncGenerator<{ node: Redis; keys: string[] }> {
  for (const node of await nodesOf(redis, 'master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 2000);
      cursor = next;
      if (keys.length > 0) yield { node, keys };
    } while (cursor !== '0');
  }
}

/** `MEMORY USAGE … SAMPLES 0` (every element counted) of each key, pipelined on the node that holds them. */
async function memoryOf(node: Redis, keys: string[]): Promise<number[]> {
  const pipeline = node.pipeline();
  for (const key of keys) pipeline.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
  const results = (await pipeline.exec()) ?? [];
  return results.map(([err, value]) => (err ? 0 : Number(value ?? 0)));
}

async function sumMatching(redis: RedisClient, match: string): Promise<number> {
  let total = 0;
  for await (const { node, keys } of scanKeys(redis, match)) for (const b of await memoryOf(node, keys)) total += b;
  return total;
}

const mean = (k: KindStats) => (k.keys === 0 ? 0 : k.bytes / k.keys);

/**
 * Redis memory per active queue (DESIGN §5, §9). Measured: `MEMORY USAGE` summed over every key under
 * the queue's hash tag, plus its share of the tenant's agents hash and of the per-partition keys.
 * Projected to steady state: the measured mean size of each kind of key times how many of them live
 * at once under the store's retention: 8 days of 15 min interval hashes, (fine retention + grace) of
 * one-minute fine hashes, and the visit hashes of the visit TTL at the queue's measured visit rate.
 * Each bucket's TTL runs from its last write on the wall clock, so after a bench run that compressed
 * weeks of simulated time into minutes nothing has expired yet: the measured figure holds every bucket
 * of the whole simulated span, which is why the projection is the steady-state answer.
 */
export async function measureQueueMemory(redis: RedisClient, store: WindowStore, queues: MeasuredQueue[], simulated: { from: number; to: number }): Promise<MemoryReport> {
  const simulatedMs = simulated.to - simulated.from;
  const intervalFrom = simulated.to - store.intervalRetentionMs;
  const fineFrom = simulated.to - (store.fineRetentionMs + store.graceMs);
  const visitFrom = simulated.to - (2 * store.graceMs + HOUR_MS);
  const ns = store.namespace;
  const params = {
    intervalBuckets: store.intervalRetentionMs / INTERVAL_BUCKET_MS,
    fineHashes: (store.fineRetentionMs + store.graceMs) / FINE_GROUP_MS,
    visitTtlHours: (2 * store.graceMs + HOUR_MS) / HOUR_MS,
    simulatedHours: simulatedMs / HOUR_MS,
    sharedBytes: 0,
    agentsBytes: 0,
  };
  params.sharedBytes =
    (await sumMatching(redis, `${ns}:p:*`)) + (await sumMatching(redis, `${ns}:active`)) + (await sumMatching(redis, `${ns}:lease:*`)) + (await sumMatching(redis, `${ns}:late-outbox:*`));
  const queuesPerTenant = new Map<string, number>();
  for (const q of queues) queuesPerTenant.set(q.tenantId, (queuesPerTenant.get(q.tenantId) ?? 0) + 1);
  const agentsBytes = new Map<string, number>();
  for (const tenantId of queuesPerTenant.keys()) agentsBytes.set(tenantId, await sumMatching(redis, escapeGlob(tenantAgentsKey(ns, tenantId))));
  params.agentsBytes = [...agentsBytes.values()].reduce((a, b) => a + b, 0);

  const out: QueueMemory[] = [];
  for (const { tenantId, queueId, offeredAt } of queues) {
    const prefix = store.keys(tenantId, queueId).prefix;
    const kinds = Object.fromEntries(KEY_KINDS.map((k) => [k, { keys: 0, bytes: 0, maxBytes: 0 }])) as Record<KeyKind, KindStats>;
    const win = { intervalKeys: 0, intervalBytes: 0, fineKeys: 0, fineBytes: 0 };
    for await (const { node, keys } of scanKeys(redis, `${prefix}*`)) {
      const sizes = await memoryOf(node, keys);
      keys.forEach((key, i) => {
        const suffix = key.slice(prefix.length);
        const kind = kindOf(suffix);
        const k = kinds[kind];
        const b = sizes[i] ?? 0;
        k.keys += 1;
        k.bytes += b;
        if (b > k.maxBytes) k.maxBytes = b;
        const startMs = Number(suffix.slice(2));
        if (kind === 'interval' && startMs >= intervalFrom) {
          win.intervalKeys += 1;
          win.intervalBytes += b;
        } else if (kind === 'fine' && startMs >= fineFrom) {
          win.fineKeys += 1;
          win.fineBytes += b;
        }
      });
    }
    const queueBytes = KEY_KINDS.reduce((sum, k) => sum + kinds[k].bytes, 0);
    const agentsShareBytes = (agentsBytes.get(tenantId) ?? 0) / (queuesPerTenant.get(tenantId) ?? 1);
    const sharedShareBytes = params.sharedBytes / queues.length;
    const visitsPerHour = kinds.visit.keys / params.simulatedHours;
    const intervalBytes = mean(kinds.interval) * params.intervalBuckets;
    const fineBytes = mean(kinds.fine) * params.fineHashes;
    const visitBytes = mean(kinds.visit) * visitsPerHour * params.visitTtlHours;
    const restBytes = kinds.waiting.bytes + kinds.stats.bytes + kinds.other.bytes + agentsShareBytes + sharedShareBytes;
    const windowVisits = offeredAt.filter((t) => t >= visitFrom).length;
    const windowVisitBytes = windowVisits * mean(kinds.visit);
    out.push({
      tenantId,
      queueId,
      kinds,
      queueBytes,
      agentsShareBytes,
      sharedShareBytes,
      measuredBytes: queueBytes + agentsShareBytes + sharedShareBytes,
      visitsPerHour,
      projection: { intervalBytes, fineBytes, visitBytes, restBytes, totalBytes: intervalBytes + fineBytes + visitBytes + restBytes,
        keys: params.intervalBuckets + params.fineHashes + visitsPerHour * params.visitTtlHours + kinds.waiting.keys + kinds.stats.keys + kinds.other.keys,
        overheadBytes: 0,
      },
      window: {
        intervalKeys: win.intervalKeys,
        fineKeys: win.fineKeys,
        visits: windowVisits,
        intervalBytes: win.intervalBytes,
        fineBytes: win.fineBytes,
        visitBytes: windowVisitBytes,
        restBytes,
        totalBytes: win.intervalBytes + win.fineBytes + windowVisitBytes + restBytes,
        keys: win.intervalKeys + win.fineKeys + windowVisits + kinds.waiting.keys + kinds.stats.keys + kinds.other.keys,
        overheadBytes: 0,
      },
    });
  }
  return { queues: out, params };
}

export interface KeyOverhead {
  keyBytes: number;
  keyCount: number;
  usedDelta: number;
  perKeyBytes: number;
}

/**
 * MEMORY USAGE counts a key's name and value, not its entry in the expires table nor the keyspace
 * table's growth. Comparing the namespace's MEMORY USAGE sum with how much INFO used_memory grew over
 * the run estimates that overhead per key; it is added to the projections as a separate figure.
 */
export function estimateKeyOverhead(report: MemoryReport, usedDelta: number): KeyOverhead {
  const keyBytes = report.queues.reduce((n, q) => n + q.queueBytes, 0) + report.params.sharedBytes + report.params.agentsBytes;
  const keyCount = report.queues.reduce((n, q) => n + KEY_KINDS.reduce((k, kind) => k + q.kinds[kind].keys, 0), 0);
  const perKeyBytes = Math.max(0, (usedDelta - keyBytes) / Math.max(1, keyCount));
  for (const q of report.queues) {
    q.projection.overheadBytes = q.projection.keys * perKeyBytes;
    q.window.overheadBytes = q.window.keys * perKeyBytes;
  }
  return { keyBytes, keyCount, usedDelta, perKeyBytes };
}

/** Deletes every key of a namespace. */
export async function deleteNamespace(redis: RedisClient, namespace: string): Promise<number> {
  let deleted = 0;
  for await (const { node, keys } of scanKeys(redis, `${namespace}:*`)) {
    // One key per UNLINK: a Cluster refuses a multi-key command across slots, even on one node.
    const pipeline = node.pipeline();
    for (const key of keys) pipeline.unlink(key);
    for (const [err, n] of (await pipeline.exec()) ?? []) if (!err) deleted += Number(n);
  }
  return deleted;
}
