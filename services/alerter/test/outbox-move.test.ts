import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decideNotifications, evaluate, loadRules } from '@callboard/alerts';
import { useAlerterBed } from '../../../test/helpers/alerter-bed.js';
import { readBack } from '../../../test/helpers/infra.js';
import { AlertStore, type OutboxEntry } from '../src/alert-store.js';
import { Dispatcher } from '../src/dispatcher.js';
import { NotifyStore } from '../src/notify-store.js';

/**
 * Each tenant's outbox lives in the tenant's slot and the dispatcher's in {notify} (issue 9), so an
 * entry moves between them in two calls. These tests stop between the calls and lose the tenant
 * index, and hold the dispatcher to publishing each change once.
 */
describe('the dispatcher moves tenant outboxes to {notify} once each', () => {
  const bed = useAlerterBed('outbox-move');
  const rules = loadRules(JSON.stringify({ version: 1, routes: {}, rules: [{ id: 'sl-low', name: 'SL low', metric: 'sl.primary', comparator: '<', fire: 0.8, severity: 'warning', routes: [] }] }));
  const rule = rules.rules[0]!;

  async function setup(tenant: string) {
    const { stack, redis } = bed;
    const store = new AlertStore(redis, `t${randomBytes(4).toString('hex')}`);
    const notify = new NotifyStore(store);
    const producer = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const dispatcher = new Dispatcher({ store, notify, producer, codec: stack.codec, rules: () => rules, logger: stack.logger, now: Date.now });
    const fire = async (queueId: string) => {
      const at = Date.now();
      const decided = decideNotifications(evaluate(undefined, rule, { tenantId: tenant, queueId, value: 0.5, volume: 40, slTarget: 0.8 }, at).state, rule, [], at);
      const outbox: OutboxEntry = { record: { kind: 'fire', state: decided.state, at }, notifications: decided.notifications };
      expect(await store.save(tenant, [{ state: decided.state, rev: '0', outbox }])).toEqual(new Set());
    };
    return { store, notify, dispatcher, fire, close: () => producer.disconnect() };
  }

  it('a move repeated after a crash before the removal publishes each entry once', async () => {
    const tenant = 'crash-co';
    const { store, notify, dispatcher, fire, close } = await setup(tenant);
    try {
      await fire('q1');
      await fire('q2');
      const token = await notify.acquireLease('A', 60_000);
      const entries = await notify.readTenantOutbox(tenant, 100);
      expect(entries).toHaveLength(2);
      // The first holder moved the entries, then died before removing them from the tenant's outbox.
      expect(await notify.moveToDispatch(token, entries, Date.now())).toBe(true);
      expect(await store.redis.llen(store.keys.outbox(tenant))).toBe(2);
      // The next pass moves them again (a no-op by id), removes them, and handles two entries, not four.
      expect(await dispatcher.runOnce(token)).toBe(2);
      expect(await store.redis.llen(store.keys.outbox(tenant))).toBe(0);
      expect(await store.redis.llen(store.keys.dispatchOutbox)).toBe(0);
      expect(await dispatcher.runOnce(token)).toBe(0);
      const records = await readBack(bed.stack, bed.stack.topology.alerts.name, (r) => r.filter((x) => x.tenantId === tenant).length >= 2, 15_000);
      expect(records.filter((x) => x.tenantId === tenant).map((x) => x.queueId).sort()).toEqual(['q1', 'q2']);
    } finally {
      await close();
    }
  });

  it('a stale token moves nothing and leaves the tenant outbox as it was', async () => {
    const tenant = 'stale-co';
    const { store, notify, fire, close } = await setup(tenant);
    try {
      await fire('q1');
      const token = await notify.acquireLease('A', 60_000);
      await store.redis.del(store.keys.lease);
      expect(await notify.acquireLease('B', 60_000)).toBeGreaterThan(token);
      const entries = await notify.readTenantOutbox(tenant, 100);
      expect(await notify.moveToDispatch(token, entries, Date.now())).toBe(false);
      expect(await store.redis.llen(store.keys.dispatchOutbox)).toBe(0);
      expect(await store.redis.lrange(store.keys.outbox(tenant), 0, -1)).toEqual(entries);
    } finally {
      await close();
    }
  });

  it('finds a tenant outbox the tenant index lost (a failover) by its sweep', async () => {
    const tenant = 'lost-co';
    const { store, notify, dispatcher, fire, close } = await setup(tenant);
    try {
      await fire('q1');
      // The index write is lost (on a Cluster it may sit on a master that failed over); the save is not.
      await store.redis.srem(store.keys.tenants, tenant);
      expect(await store.tenants()).toEqual([]);
      const token = await notify.acquireLease('A', 60_000);
      expect(await dispatcher.runOnce(token)).toBe(1);
      expect(await store.tenants()).toEqual([tenant]);
      expect(await store.redis.llen(store.keys.outbox(tenant))).toBe(0);
    } finally {
      await close();
    }
  });
});
