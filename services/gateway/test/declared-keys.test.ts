import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '@callboard/runtime';
import { callDeclared, withDeclaredKeys } from '../../../test/helpers/declared-keys.js';
import { infra, testLogger } from '../../../test/helpers/infra.js';
import { gatewayKeys } from '../src/keys.js';
import { FixedWindowLimiter } from '../src/rate-limit.js';

const COMMANDS = new URL('../src/commands/', import.meta.url);

/**
 * The gateway's scripts, called by a Redis user allowed only the keys each call declares (issue 9):
 * an undeclared key fails with NOPERM, and on a Cluster (CB_REDIS_MODE=cluster) KEYS in two slots
 * fail with CROSSSLOT. Its other commands (tickets: SET, GETDEL) take one key each.
 */
describe('gateway scripts touch only their declared keys (issue 9 items 1 and 2)', () => {
  const ns = `t-gw-keys-${randomBytes(4).toString('hex')}`;
  const k = gatewayKeys(ns);
  const redis = createRedis(infra.redis, testLogger);
  const called = new Set<string>();

  afterAll(async () => {
    // One key per DEL: the two counters may sit in two slots of a Cluster.
    for (const key of [k.ticketRate('tok-a'), k.ticketRate('tok-b')]) await redis.del(key);
    await redis.quit();
  });

  it('take-rate-slot-1.lua counts a window on its one declared key', async () => {
    called.add('take-rate-slot-1.lua');
    const [count, ttl] = (await callDeclared(COMMANDS, 'take-rate-slot-1.lua', [k.ticketRate('tok-a')], [60_000])) as [number, number];
    expect(count).toBe(1);
    expect(ttl).toBeGreaterThan(0);
    expect(await redis.get(k.ticketRate('tok-a'))).toBe('1');
  });

  it('the ticket limiter takes and refuses slots as a user allowed only that token’s key', async () => {
    await withDeclaredKeys([k.ticketRate('tok-b')], async (client) => {
      const limiter = new FixedWindowLimiter(client, 2, 60_000);
      const decisions = [await limiter.take(k.ticketRate('tok-b')), await limiter.take(k.ticketRate('tok-b')), await limiter.take(k.ticketRate('tok-b'))];
      expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
    });
  });

  it('has run every script in services/gateway/src/commands', () => {
    expect([...called].sort()).toEqual(readdirSync(COMMANDS).filter((f) => f.endsWith('.lua')).sort());
  });
});
