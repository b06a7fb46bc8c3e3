import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedis, escapeGlob, scanKeys } from '@callboard/runtime';
import { callDeclared, withDeclaredKeys } from '../../../test/helpers/declared-keys.js';
import { infra, testLogger } from '../../../test/helpers/infra.js';
import { AlertStore } from '../src/alert-store.js';
import { alerterKeys } from '../src/keys.js';
import { NotifyStore } from '../src/notify-store.js';

const COMMANDS = new URL('../src/commands/', import.meta.url);

/**
 * Every alerter script, called as the code calls it, by a Redis user allowed only the keys the call
 * declares: a key touched but not declared fails (NOPERM), and on a Cluster (CB_REDIS_MODE=cluster)
 * KEYS in two slots fail (CROSSSLOT). Each call takes its main path, so each write is exercised.
 */
describe('alerter scripts touch only their declared keys, in one slot (issue 9 items 1 and 2)', () => {
  const ns = `t-alerter-keys-${randomBytes(4).toString('hex')}`;
  const k = alerterKeys(ns);
  const tenant = 'acme';
  const redis = createRedis(infra.redis, testLogger);
  const called = new Set<string>();
  const call = async (file: string, keys: string[], args: (string | number)[]) => {
    called.add(file);
    return callDeclared(COMMANDS, file, keys, args);
  };

  afterAll(async () => {
    for await (const keys of scanKeys(redis, `${escapeGlob(ns)}:*`)) for (const key of keys) await redis.del(key);
    await redis.quit();
  });

  it('runs the whole notification path, each call as a user allowed only its KEYS', async () => {
    const now = Date.now();
    const token = Number(await call('dispatch-lease-2.lua', [k.lease, k.fence], ['holder-a', 60_000]));
    expect(token).toBeGreaterThan(0);

    const entry = JSON.stringify({ id: 'entry-1', record: { kind: 'fire', at: now }, notifications: [] });
    expect(await call('save-alerts-2.lua', [k.alerts(tenant), k.outbox(tenant)], ['fp-1', '0', '{"state":"firing"}', entry, '{"fire":0.8,"clear":0.85}'])).toEqual([]);
    expect(await redis.lrange(k.outbox(tenant), 0, -1)).toEqual([entry]);

    expect(await call('move-outbox-3.lua', [k.fence, k.moved, k.dispatchOutbox], [token, now, 86_400_000, 'entry-1', entry])).toBe(1);
    expect(await redis.lrange(k.dispatchOutbox, 0, -1)).toEqual([entry]);

    const delivery = (id: string) => JSON.stringify({ id, route: 'hook', body: '{}', attempts: 0, createdAt: now });
    const commitKeys = [k.fence, k.dispatchOutbox, k.grouper, k.deliveries, k.deliveryQueue];
    expect(await call('dispatch-commit-5.lua', commitKeys, [token, '{"groups":[]}', now, 1, entry, 'd-1', delivery('d-1'), 'd-2', delivery('d-2')])).toBe(2);
    expect(await redis.llen(k.dispatchOutbox)).toBe(0);

    const claimKeys = [k.fence, k.deliveryQueue, k.inFlight, k.claims, k.deliveries];
    const [claim, ...claimed] = (await call('claim-deliveries-5.lua', claimKeys, [token, now, now + 30_000, 10])) as string[];
    expect(claimed.filter((_, i) => i % 2 === 0).sort()).toEqual(['d-1', 'd-2']);

    const failKeys = [k.deliveryQueue, k.inFlight, k.claims, k.deliveries, k.dead];
    expect(await call('delivery-failed-5.lua', failKeys, ['d-1', claim!, 'retry', now, 5, 'HTTP 503'])).toBe(1);
    expect(await call('delivery-failed-5.lua', failKeys, ['d-2', claim!, 'dead', now, 5, 'route removed'])).toBe(-1);
    expect(await redis.llen(k.dead)).toBe(1);

    const [again, id] = (await call('claim-deliveries-5.lua', claimKeys, [token, now, now + 30_000, 10])) as string[];
    expect(id).toBe('d-1');
    expect(await call('delivery-sent-4.lua', [k.inFlight, k.claims, k.deliveries, k.deliveryQueue], ['d-1', again!])).toBe(1);
    expect(await redis.hlen(k.deliveries)).toBe(0);
  });

  it('the multi-command writes of one tenant (outbox removal, audit) touch only that tenant’s keys', async () => {
    const other = 'beta';
    await withDeclaredKeys([k.outbox(other)], async (client) => {
      const notify = new NotifyStore(new AlertStore(client, ns));
      await client.rpush(k.outbox(other), 'a', 'b', 'a');
      await notify.removeFromTenantOutbox(other, ['a', 'b']);
      expect(await client.lrange(k.outbox(other), 0, -1)).toEqual(['a']);
    });
    await withDeclaredKeys([k.audit(other), k.silences(other)], async (client) => {
      const store = new AlertStore(client, ns);
      const silence = await store.silence(other, { reason: 'maintenance', createdBy: 'lead', durationMs: 60_000 });
      await store.unsilence(other, silence.id, 'lead');
      expect((await store.auditLog(other)).map((e) => e.action)).toEqual(['unsilence', 'silence']);
    });
  });

  it('has run every script in services/alerter/src/commands', () => {
    expect([...called].sort()).toEqual(readdirSync(COMMANDS).filter((f) => f.endsWith('.lua')).sort());
  });
});
