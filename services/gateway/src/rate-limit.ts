import type { Result } from 'ioredis';
import { CallboardError } from '@callboard/errors';
import { loadScripts, type RedisClient } from '@callboard/runtime';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** services/gateway/src/commands/take-rate-slot-1.lua: [count in the window, ms left]. */
    cbTakeRateSlot(key: string, windowMs: number): Result<[number, number], Context>;
  }
}

interface RateDecision {
  allowed: boolean;
  /** When refused: how long until the window ends. */
  retryAfterMs: number;
}

/**
 * A fixed-window counter in Redis, shared by every gateway instance: at most `limit` calls per key
 * per `windowMs`. One script call takes a slot, so two instances can never both take the last one.
 */
export class FixedWindowLimiter {
  constructor(
    private readonly redis: RedisClient,
    readonly limit: number,
    readonly windowMs: number,
  ) {
    loadScripts(redis, new URL('./commands/', import.meta.url));
  }

  async take(key: string): Promise<RateDecision> {
    let count: number;
    let ttl: number;
    try {
      [count, ttl] = await this.redis.cbTakeRateSlot(key, this.windowMs);
    } catch (err) {
      throw new CallboardError('CB_REDIS_UNAVAILABLE', 'taking a rate-limit slot failed', { cause: err, retriable: true });
    }
    return { allowed: Number(count) <= this.limit, retryAfterMs: Math.max(1, Number(ttl)) };
  }
}
