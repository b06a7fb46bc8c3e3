import { readdirSync, readFileSync } from 'node:fs';
import type { RedisClient } from './redis.js';

/**
 * Loads every `<dir>/<name>[-<numKeys>].lua` once as an ioredis custom command `cb<Name>`, which
 * calls it by SHA (EVALSHA) and falls back to EVAL when the server has no copy (after SCRIPT FLUSH, a
 * restart or, on a Cluster, on a node that never ran it). A name without a key count takes the
 * number of keys as its first argument. Works on one node and on a Cluster: ioredis routes each call
 * by its first key, so every key of one call must share a slot (DESIGN §5).
 */
export function loadScripts(redis: RedisClient, dir: URL): void {
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
