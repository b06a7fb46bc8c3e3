import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '@callboard/alerter';
import { loadRules } from '@callboard/alerts';
import type { Redis } from '@callboard/runtime';
import { issueToken } from '../../services/gateway/src/index.js';
import { type Frame, open, ORIGIN, publishSnapshots, SECRET, startTestGateway, type TestClient, type TestGateway } from '../../services/gateway/test/support.js';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { testAlerter } from '../helpers/pipeline.js';
import { snapshot } from '../helpers/snapshots.js';
import { waitFor } from '../helpers/wait.js';

const TENANT = 'describe-co';
const RULE = { id: 'sl-low', name: 'SL below 80 %', metric: 'sl.primary', comparator: '<', fire: 0.8, clear: 0.85, minVolume: 5, severity: 'critical' } as const;

/**
 * An alert that fired before a gateway started is described (rule name, severity, metric,
 * thresholds) by that gateway's REST alert list and its snapshot frame, though the gateway never saw
 * the alert's record on cc.alerts.v1: the alerter stores what the record carries with the state.
 */
describe('alerts that fired before the gateway started', () => {
  let stack: TestStack;
  let redis: Redis;
  let gw: TestGateway | undefined;
  let client: TestClient | undefined;
  const namespace = `t${Math.random().toString(16).slice(2, 10)}`;

  beforeAll(async () => {
    stack = await createTestStack('alert-describe');
    redis = stack.redis();
    await redis.connect();
  });
  afterAll(async () => {
    client?.close();
    await gw?.close();
    await stack?.cleanup();
  });

  it('are named, with severity, metric and thresholds, over REST and in the snapshot of a gateway started after they fired', async () => {
    const store = new AlertStore(redis, namespace);
    const alerter = testAlerter(stack, store, loadRules(JSON.stringify({ version: 1, routes: {}, rules: [RULE] })), { groupId: `${stack.prefix}alerter` });
    await alerter.start();
    try {
      await publishSnapshots(stack, [snapshot(TENANT, 'sales', Date.now(), { answered: 40, withinSl: 20 })]);
      await waitFor('the alert to fire', async () => ((await store.list(TENANT)).some((a) => a.state === 'firing') ? true : undefined));
      // Its record has left the outbox for cc.alerts.v1 before the gateway below exists.
      // The tenant's outbox first: its entries move to the dispatcher's outbox, never back.
      await waitFor('the outboxes to drain', async () => ((await redis.llen(store.keys.outbox(TENANT))) + (await redis.llen(store.keys.dispatchOutbox)) === 0 ? true : undefined));
    } finally {
      await alerter.close();
    }

    gw = await startTestGateway(stack, redis, { namespace });
    const token = await issueToken({ tenantId: TENANT, role: 'wallboard', ttlSeconds: 600 }, SECRET);

    // The page connects first: its snapshot names the rule before any REST read.
    client = await open(gw.wsUrl, { token, origin: ORIGIN });
    client.send({ type: 'subscribe', queues: '*' });
    const snap: Frame = await client.next('snapshot');
    expect(snap.rules).toEqual({ 'sl-low': { ruleName: RULE.name, severity: 'critical', metric: 'sl.primary' } });

    const res = await fetch(`${gw.url}/api/v1/tenants/${TENANT}/alerts`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const { alerts } = (await res.json()) as { alerts: Record<string, unknown>[] };
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ ruleId: 'sl-low', ruleName: RULE.name, severity: 'critical', metric: 'sl.primary', window: 'rolling-15m', state: 'firing', value: 0.5, fireThreshold: 0.8, clearThreshold: 0.85 });
  });

  it('still reads states stored before they carried a description', async () => {
    const store = new AlertStore(redis, namespace);
    // The JSON an alerter without the description saved: AlertState fields only.
    const old = { fingerprint: 'fp-old', ruleId: 'gone-rule', tenantId: 'old-co', queueId: 'q1', state: 'firing', since: 1, value: 0.4, episode: 1, firedAt: 1, lastEvaluatedAt: 2 };
    await redis.hset(store.keys.alerts('old-co'), 'fp-old', JSON.stringify(old), 'rev:fp-old', '3', 'thr:fp-old', JSON.stringify({ fire: 0.8, clear: 0.85 }));
    expect(await store.list('old-co')).toEqual([{ ...old, fireThreshold: 0.8, clearThreshold: 0.85 }]);
    const acked = await store.acknowledge('old-co', 'fp-old', 'lead-li', 5);
    expect(acked).toMatchObject({ ...old, ack: { by: 'lead-li', at: 5 } });
    expect(acked).not.toHaveProperty('ruleName');
    const outbox = (await redis.lrange(store.keys.outbox('old-co'), 0, -1)).map((r) => JSON.parse(r) as { record: { kind: string; fireThreshold?: number } });
    expect(outbox.at(-1)?.record).toMatchObject({ kind: 'ack', fireThreshold: 0.8 });
  });
});
