import { randomBytes } from 'node:crypto';
import { createRedis, escapeGlob, loadScripts, nodesOf, type RedisClient } from '@callboard/runtime';
import { infra, testLogger } from './infra.js';

/**
 * Runs `body` with a client of the test Redis (one node, or the Cluster when CB_REDIS_MODE=cluster)
 * logged in as a fresh ACL user that may touch `keys` and nothing else (DESIGN §5: every key a script
 * touches is declared in KEYS). Redis 7 checks a script's own `redis.call`s against the caller's key
 * permissions too, so a script that reads or writes a key it did not declare fails (NOPERM, or "can't
 * access at least one of the keys"); on a Cluster, KEYS of two slots fail with CROSSSLOT. The user
 * is deleted afterwards, from every node.
 */
export async function withDeclaredKeys<T>(keys: readonly string[], body: (client: RedisClient) => Promise<T>): Promise<T> {
  const admin = createRedis(infra.redis, testLogger);
  const username = `cb-declared-${randomBytes(6).toString('hex')}`;
  const password = randomBytes(18).toString('hex');
  // ACL users are per node; replicas too, so a failover does not lock the user out.
  const nodes = await nodesOf(admin, 'all');
  const rules = ['on', `>${password}`, 'resetkeys', ...keys.map((k) => `~${escapeGlob(k)}`), '+@all'];
  let client: RedisClient | undefined;
  try {
    for (const node of nodes) await node.call('ACL', 'SETUSER', username, ...rules);
    client = createRedis(infra.redis, testLogger, { username, password });
    return await body(client);
  } finally {
    await client?.quit().catch(() => undefined);
    for (const node of nodes) await node.call('ACL', 'DELUSER', username).catch(() => undefined);
    await admin.quit().catch(() => undefined);
  }
}

/**
 * Calls the Lua script `<dir>/<file>` the way the code does (its ioredis command, by SHA) with KEYS
 * `keys` and ARGV `args`, as a user allowed exactly `keys` ({@link withDeclaredKeys}); answers what
 * the script answers. A `<name>-<n>.lua` file must be given n keys; a `<name>.lua` one takes the
 * key count as its first argument.
 */
export async function callDeclared(dir: URL, file: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  const match = /^([a-z-]+?)(?:-(\d+))?\.lua$/.exec(file);
  if (!match) throw new Error(`${file} is not a <name>[-<numKeys>].lua script`);
  const [, name, numKeys] = match;
  if (numKeys !== undefined && Number(numKeys) !== keys.length) throw new Error(`${file} declares ${numKeys} keys, the call gives ${keys.length}`);
  const command = `cb${name!.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase())}`;
  return withDeclaredKeys(keys, async (client) => {
    loadScripts(client, dir);
    const call = (client as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[command]!.bind(client);
    return numKeys === undefined ? call(keys.length, ...keys, ...args) : call(...keys, ...args);
  });
}
