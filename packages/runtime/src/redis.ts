import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger.js';

export type { Redis } from 'ioredis';

/**
 * A Redis connection that reconnects with capped backoff and fails commands fast while it is down,
 * so callers see the outage (and pause) instead of piling up an unbounded offline queue.
 */
export function createRedis(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    // A server that stops answering (not closing) must still fail a call, so the consumer can pause.
    commandTimeout: 10_000,
    retryStrategy: (times) => Math.min(2000, 50 * 2 ** Math.min(times, 6)) + Math.floor(Math.random() * 100),
    ...options,
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) logger.warn({ err, module: 'redis' }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info({ module: 'redis' }, 'redis connection restored');
    down = false;
  });
  return redis;
}
