import type { Result } from 'ioredis';
import { loadScripts, type RedisClient } from '@callboard/runtime';

const COMMANDS_DIR = new URL('./commands/', import.meta.url);

/** Loads the store's `commands/*.lua` with the one loader every package uses (`@callboard/runtime`). */
export function loadStoreScripts(redis: RedisClient): void {
  loadScripts(redis, COMMANDS_DIR);
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** commands/apply-queue.lua: number of keys, the keys, then the arguments. */
    cbApplyQueue(numKeys: number, ...args: (string | number)[]): Result<(number | string)[], Context>;
    /** commands/apply-complaints.lua: number of keys, the keys, then the arguments. */
    cbApplyComplaints(numKeys: number, ...args: (string | number)[]): Result<(number | string)[], Context>;
    /** commands/apply-contacts.lua: number of keys, the keys, then the arguments. */
    cbApplyContacts(numKeys: number, ...args: (string | number)[]): Result<(number | string)[], Context>;
    /** commands/read-fcr-pending-2.lua: the clock and a queue's fcr-open, then from, to. */
    cbReadFcrPending(clockKey: string, openKey: string, from: number, to: number): Result<number, Context>;
    /** commands/apply-agents-3.lua */
    cbApplyAgents(offsetsKey: string, lateKey: string, agentsKey: string, ...args: (string | number)[]): Result<(number | string)[], Context>;
    /** commands/touch-partition-1.lua */
    cbTouchPartition(indexKey: string, ...args: (string | number)[]): Result<number, Context>;
    /** commands/note-sources-1.lua: the tenant's sources hash, its TTL in seconds, then field, value pairs. */
    cbNoteSources(key: string, ttlSeconds: number, ...fieldValues: (string | number)[]): Result<number, Context>;
    /** commands/acquire-lease-1.lua: 1 when the holder has the lease. */
    cbAcquireLease(key: string, holder: string, ttlMs: number): Result<number, Context>;
    /** commands/read-buckets.lua: number of keys, the keys, then the specs. */
    cbReadBuckets(numKeys: number, ...args: (string | number)[]): Result<number[], Context>;
  }
}
