import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { CallboardError } from '@callboard/errors';
import type { Logger } from './logger.js';

export type { Redis } from 'ioredis';

/**
 * The Redis client every package and service takes: one node or a Redis Cluster (DESIGN §5). The
 * same code runs on both because every script call and multi-key command touches one slot.
 */
export type RedisClient = Redis | Cluster;

/** Where Redis is: one node, or the seed nodes of a Cluster (CB_REDIS_MODE, CB_REDIS_URL). */
export interface RedisTarget {
  mode: 'single' | 'cluster';
  /** One URL in single mode; one or more seed nodes of the Cluster in cluster mode. */
  urls: readonly string[];
}

/** Capped exponential backoff with jitter, for reconnecting. */
function backoff(times: number): number {
  return Math.min(2000, 50 * 2 ** Math.min(times, 6)) + Math.floor(Math.random() * 100);
}

const DEFAULTS = {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: true,
  // A server that stops answering (not closing) must still fail a call, so the consumer can pause.
  commandTimeout: 10_000,
} satisfies RedisOptions;

/**
 * An ioredis error as it may be logged: its name, message and code, never the command it failed
 * on. A failed `AUTH` carries the password in `command.args`, and a failed script its arguments.
 */
export function redisErrorForLog(err: Error): { name: string; message: string; code?: string } {
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}) };
}

/** A Redis URL fit for a message: its scheme, host and port, without credentials. */
function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(an unparsable URL)';
  }
}

/** Logs the first error of an outage and the recovery, once each, without the failed command (a password). */
function watch(client: RedisClient, logger: Logger): void {
  let down = false;
  const onError = (err: Error): void => {
    if (!down) logger.warn({ err: redisErrorForLog(err), module: 'redis' }, 'redis connection error');
    down = true;
  };
  client.on('error', onError);
  if (client instanceof Cluster) client.on('node error', onError);
  client.on('ready', () => {
    if (down) logger.info({ module: 'redis' }, 'redis connection restored');
    down = false;
  });
}

/**
 * A Cluster client with the single node's semantics: lazy connect, fail fast while a node is down
 * (one retry, a command timeout, no offline queue once connected), reads and writes on masters
 * only (a replica may lag: exactly-once reads its own writes), and the node addresses the Cluster
 * announces used as they are (no NAT map). Credentials of the first seed URL apply to every node.
 */
function createCluster(urls: readonly string[], options: RedisOptions): Cluster {
  const first = new URL(urls[0]!);
  const nodes = urls.map((u) => {
    const url = new URL(u);
    return { host: url.hostname, port: Number(url.port || 6379) };
  });
  const { retryStrategy, enableOfflineQueue, lazyConnect, ...nodeOptions } = options;
  const clusterOptions: ClusterOptions = {
    lazyConnect: lazyConnect ?? true,
    enableOfflineQueue: enableOfflineQueue ?? DEFAULTS.enableOfflineQueue,
    enableReadyCheck: true,
    scaleReads: 'master',
    maxRedirections: 16,
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 200,
    retryDelayOnTryAgain: 100,
    clusterRetryStrategy: retryStrategy ? (times: number) => retryStrategy(times) : backoff,
    redisOptions: {
      maxRetriesPerRequest: DEFAULTS.maxRetriesPerRequest,
      commandTimeout: DEFAULTS.commandTimeout,
      ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
      ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
      ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
      ...nodeOptions,
    },
  };
  const cluster = new Cluster(nodes, clusterOptions);
  // A Cluster's offline queue has no retry limit: a command sent while every node is unreachable
  // would wait forever. Once connected, such a command fails at once instead, as a single node's
  // does after its one retry, so callers see the outage (and pause). Until the first connect, the
  // queue holds commands for it, as a lazy single node's does.
  if (enableOfflineQueue === undefined) cluster.once('ready', () => (cluster.options.enableOfflineQueue = false));
  return cluster;
}

/**
 * A Redis connection that reconnects with capped backoff and fails commands fast while it is down,
 * so callers see the outage (and pause) instead of piling up an unbounded offline queue.
 *
 * @param target - a single node's URL, or the infra config's {@link RedisTarget} (a Cluster in cluster mode)
 * @param options - ioredis options; for a Cluster they apply to each node connection, `retryStrategy`
 *   to reconnecting the Cluster
 */
export function createRedis(target: string, logger: Logger, options?: RedisOptions): Redis;
export function createRedis(target: RedisTarget, logger: Logger, options?: RedisOptions): RedisClient;
export function createRedis(target: string | RedisTarget, logger: Logger, options: RedisOptions = {}): RedisClient {
  const resolved: RedisTarget = typeof target === 'string' ? { mode: 'single', urls: [target] } : target;
  const client =
    resolved.mode === 'cluster'
      ? createCluster(resolved.urls, options)
      : new Redis(resolved.urls[0]!, { lazyConnect: true, ...DEFAULTS, retryStrategy: backoff, ...options });
  watch(client, logger);
  return client;
}

/**
 * {@link createRedis}, connected, and checked to be what `target.mode` says: a Cluster node given as
 * a single Redis (every key of another slot would answer MOVED), or a single Redis given as a Cluster,
 * is refused with `CB_CONFIG_INVALID` and what to set; an unreachable or refusing Redis (a wrong
 * password) with `CB_REDIS_UNAVAILABLE`. Neither message holds a password. Services and the CLI
 * connect through this.
 */
export async function connectRedis(target: RedisTarget, logger: Logger, options: RedisOptions = {}): Promise<RedisClient> {
  const where = target.urls.map(displayUrl).join(',');
  const client = createRedis(target, logger, options);
  // connect() rejects with "Connection is closed" or "None of startup nodes is available"; the
  // reason (WRONGPASS, cluster support disabled, ECONNREFUSED) is what the client emitted before.
  let emitted: Error | undefined;
  const remember = (err: Error): void => {
    emitted = err;
  };
  client.on('error', remember);
  if (client instanceof Cluster) client.on('node error', remember);
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    const reason = [emitted?.message, err instanceof Error ? err.message : String(err)].filter((m, i, all) => m && all.indexOf(m) === i).join('; ');
    if (target.mode === 'cluster' && /cluster support disabled|refresh slots cache/i.test(reason)) {
      const single = await isClusterNode(target.urls[0]!, logger, options).catch(() => undefined);
      if (single === false) throw new CallboardError('CB_CONFIG_INVALID', `CB_REDIS_MODE=cluster but ${displayUrl(target.urls[0]!)} is a single Redis, not a Cluster node: set CB_REDIS_MODE=single (or point CB_REDIS_URL at the Cluster's nodes)`);
    }
    throw new CallboardError('CB_REDIS_UNAVAILABLE', `cannot connect to Redis at ${where}: ${reason}`, { retriable: true });
  } finally {
    client.off('error', remember);
    if (client instanceof Cluster) client.off('node error', remember);
  }
  if (target.mode === 'single' && client instanceof Redis && (await clusterEnabled(client))) {
    client.disconnect();
    throw new CallboardError('CB_CONFIG_INVALID', `CB_REDIS_MODE=single but ${where} is a Redis Cluster node: set CB_REDIS_MODE=cluster and list the Cluster's nodes in CB_REDIS_URL (comma-separated)`);
  }
  return client;
}

async function clusterEnabled(node: Redis): Promise<boolean> {
  return /^cluster_enabled:1/m.test(await node.info('cluster'));
}

/** Whether the Redis at `url` runs with cluster support (false: a single Redis). */
async function isClusterNode(url: string, logger: Logger, options: RedisOptions): Promise<boolean> {
  const node = createRedis(url, logger, { ...options, retryStrategy: () => null });
  try {
    await node.connect();
    return await clusterEnabled(node);
  } finally {
    node.disconnect();
  }
}

/**
 * The node connections of `redis`: the one node, or the Cluster's masters (`master`: where the data
 * is) or every node, replicas too (`all`: per-node settings such as ACL users). A lazy Cluster knows
 * its nodes only once connected, so this connects it first.
 */
export async function nodesOf(redis: RedisClient, role: 'master' | 'all' = 'master'): Promise<Redis[]> {
  if (!(redis instanceof Cluster)) return [redis];
  await redis.ping();
  return redis.nodes(role);
}

/** `text` as a Redis glob (SCAN MATCH, ACL key patterns) that matches exactly itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Every key matching `match`, from each master in turn (SCAN is per node; on a Cluster each master
 * holds its own slots). Pattern semantics are SCAN's MATCH glob.
 */
export async function* scanKeys(redis: RedisClient, match: string, count = 500): AsyncGenerator<string[]> {
  for (const node of await nodesOf(redis, 'master')) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', count);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== '0');
  }
}
