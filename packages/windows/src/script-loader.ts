import { readdirSync, readFileSync } from 'node:fs';
import type { Cluster, Redis, Result } from 'ioredis';

const COMMANDS_DIR = new URL('./commands/', import.meta.url);

/**
 * Loads every `commands/<name>[-<numKeys>].lua` once as an ioredis custom command, which calls it by
 * SHA (EVALSHA) and falls back to EVAL when the server has no copy (after SCRIPT FLUSH or a restart).
 * A name without a key count takes the number of keys as its first argument. Other packages pass
 * their own `commands/` folder.
 */
export function loadScripts(redis: Redis | Cluster, dir: URL = COMMANDS_DIR): void {
  for (const file of readdirSync(dir)) {
    const match = /^([a-z-]+?)(?:-(\d+))?\.lua$/.exec(file);
    if (!match) continue;
    const [, name, numKeys] = match;
    const command = `cb${name!.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`;
    if ((redis as unknown as Record<string, unknown>)[command]) continue;
    redis.defineCommand(command, {
      lua: readFileSync(new URL(file, dir), 'utf8'),
      ...(numKeys === undefined ? {} : { numberOfKeys: Number(numKeys) }),
    });
  }
}

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** commands/apply-queue.lua: number of keys, the keys, then the arguments. */
    cbApplyQueue(numKeys: number, ...args: (string | number)[]): Result<(number | string)[], Context>;
    /** commands/apply-agents-3.lua */
    cbApplyAgents(offsetsKey: string, lateKey: string, agentsKey: string, ...args: (string | number)[]): Result<(number | string)[], Context>;
    /** commands/touch-partition-1.lua */
    cbTouchPartition(indexKey: string, ...args: (string | number)[]): Result<number, Context>;
    /** commands/acquire-lease-1.lua: 1 when the holder has the lease. */
    cbAcquireLease(key: string, holder: string, ttlMs: number): Result<number, Context>;
    /** commands/read-buckets.lua: number of keys, the keys, then the specs. */
    cbReadBuckets(numKeys: number, ...args: (string | number)[]): Result<number[], Context>;
  }
}
