import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis } from '@callboard/runtime';
import { callDeclared, withDeclaredKeys } from './declared-keys.js';
import { infra, testLogger } from './infra.js';

const FIXTURES = new URL('./fixtures/declared-keys/', import.meta.url);

describe('the declared-keys harness (issue 9: every key a script touches is in KEYS)', () => {
  const ns = `t-declared-${randomBytes(4).toString('hex')}`;
  const redis = createRedis(infra.redis, testLogger);
  afterAll(async () => {
    await redis.del(`${ns}:{a}:one`, `${ns}:{a}:two`, `${ns}:{a}:other`, `${ns}:{a}:glob*`);
    await redis.quit();
  });

  it('lets a script touch the keys it declares', async () => {
    expect(await callDeclared(FIXTURES, 'touch-declared-2.lua', [`${ns}:{a}:one`, `${ns}:{a}:two`], ['v'])).toBe(2);
    expect(await redis.mget(`${ns}:{a}:one`, `${ns}:{a}:two`)).toEqual(['v', 'v']);
  });

  it('fails a script that touches a key it did not declare, though it shares the slot', async () => {
    await redis.set(`${ns}:{a}:other`, 'secret');
    await expect(callDeclared(FIXTURES, 'touch-undeclared-1.lua', [`${ns}:{a}:one`], [`${ns}:{a}:other`])).rejects.toThrow(/NOPERM|can't access|no permissions/);
  });

  it('escapes glob characters: a declared key allows itself, not the keys its pattern would match', async () => {
    const literal = `${ns}:{a}:glob*`;
    expect(await withDeclaredKeys([literal], async (c) => c.set(literal, '1'))).toBe('OK');
    await expect(withDeclaredKeys([literal], async (c) => c.set(`${ns}:{a}:globX`, '1'))).rejects.toThrow(/NOPERM|no permissions/);
  });

  it('refuses a call whose key count is not the one the file name declares', async () => {
    await expect(callDeclared(FIXTURES, 'touch-declared-2.lua', [`${ns}:{a}:one`], ['v'])).rejects.toThrow(/declares 2 keys/);
  });

  it.runIf(infra.redis.mode === 'cluster')('on a Cluster, fails a call whose keys are in two slots (CROSSSLOT)', async () => {
    await expect(callDeclared(FIXTURES, 'touch-declared-2.lua', [`${ns}:{a}:one`, `${ns}:{b}:one`], ['v'])).rejects.toThrow(/CROSSSLOT/);
  });
});
