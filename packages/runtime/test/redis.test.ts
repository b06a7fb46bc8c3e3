import { randomBytes } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { infra, testLogger } from '../../../test/helpers/infra.js';
import { createRedis, escapeGlob, nodesOf, scanKeys } from '../src/index.js';

describe('the Redis client of CB_REDIS_MODE (issue 9 item 2)', () => {
  const redis = createRedis(infra.redis, testLogger);
  const ns = `t-client-${randomBytes(4).toString('hex')}*`;
  const keys = Array.from({ length: 40 }, (_, i) => `${ns}:{tag-${i}}:k`);
  afterAll(async () => {
    for (const key of keys) await redis.del(key);
    await redis.quit();
  });

  it(`is a ${infra.redis.mode === 'cluster' ? 'Cluster' : 'single-node'} client, as CB_REDIS_MODE says`, async () => {
    expect(redis).toBeInstanceOf(infra.redis.mode === 'cluster' ? Cluster : Redis);
    expect(await redis.ping()).toBe('PONG');
    const masters = await nodesOf(redis, 'master');
    const all = await nodesOf(redis, 'all');
    if (infra.redis.mode === 'cluster') expect(masters.length).toBeGreaterThan(1);
    else expect(all).toEqual([redis]);
    expect(all.length).toBeGreaterThanOrEqual(masters.length);
  });

  it('scans every master: keys of 40 hash tags (several slots, on a Cluster several nodes) are all found, and a glob character in the prefix matches only itself', async () => {
    for (const key of keys) await redis.set(key, '1');
    await redis.set(`${ns.slice(0, -1)}X:{tag-0}:k`, '1');
    const found: string[] = [];
    for await (const batch of scanKeys(redis, `${escapeGlob(ns)}:*`, 7)) found.push(...batch);
    await redis.del(`${ns.slice(0, -1)}X:{tag-0}:k`);
    expect(found.sort()).toEqual([...keys].sort());
  });

  it('fails a Cluster connect at once when no seed node answers', async () => {
    const unreachable = createRedis({ mode: 'cluster', urls: ['redis://127.0.0.1:1'] }, testLogger);
    try {
      await expect(unreachable.connect()).rejects.toThrow(/startup nodes/);
    } finally {
      unreachable.disconnect();
    }
  });
});
