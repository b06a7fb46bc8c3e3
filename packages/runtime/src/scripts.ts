import { readdirSync, readFileSync } from 'node:fs';
import type { RedisClient } from './redis.js';

/**
 * Loads every `<dir>/<name>[-<numKeys>].lua` once as an ioredis custom command `cb<Name>`, which
 * calls it by SHA (EVALSHA) and falls back to EVAL when the server has no copy (after SCRIPT FLUSH, a
 * restart or, on a Cluster, on a node that never ran it), with its includes inlined ({@link readScript}). A name without a key count takes the
 * number of keys as its first argument. Works on one node and on a Cluster: ioredis routes each call
 * by its first key, so every key of one call must share a slot (DESIGN §5).
 */
const INCLUDE = /^-- @include ([a-z-]+\.lua)$/gm;

/**
 * The text of the script `<dir>/<file>`, each line `-- @include <name>.lua` replaced by
 * `<dir>/include/<name>.lua` (one level): Lua parts two scripts share, kept once. What Redis runs;
 * tools that send a script themselves read it through this too.
 */
export function readScript(dir: URL, file: string): string {
  return readFileSync(new URL(file, dir), 'utf8').replace(INCLUDE, (_line, name: string) => readFileSync(new URL(`include/${name}`, dir), 'utf8').trimEnd());
}

export function loadScripts(redis: RedisClient, dir: URL): void {
  for (const file of readdirSync(dir)) {
    const match = /^([a-z-]+?)(?:-(\d+))?\.lua$/.exec(file);
    if (!match) continue;
    const [, name, numKeys] = match;
    const command = `cb${name!.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`;
    if ((redis as unknown as Record<string, unknown>)[command]) continue;
    redis.defineCommand(command, {
      lua: readScript(dir, file),
      ...(numKeys === undefined ? {} : { numberOfKeys: Number(numKeys) }),
    });
  }
}
