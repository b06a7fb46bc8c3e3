import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '@callboard/alerter';
import { loadRules } from '@callboard/alerts';
import type { QueueView } from '@callboard/windows';
import { issueToken } from '../../services/gateway/src/index.js';
import { open, ORIGIN, SECRET, startTestGateway, type TestGateway } from '../../services/gateway/test/support.js';
import { dispatchSettled, publishSnapshots, useAlerterBed } from '../helpers/alerter-bed.js';
import { infra } from '../helpers/infra.js';
import { testAlerter } from '../helpers/pipeline.js';
import { snapshot } from '../helpers/snapshots.js';
import { waitFor } from '../helpers/wait.js';

const TENANT = 'cluster-co';
const QUEUES = ['sales', 'support', 'billing'];

function rules(url: string) {
  return loadRules(
    JSON.stringify({
      version: 1,
      groups: { groupBy: ['tenantId', 'ruleId', 'kind'], groupWaitMs: 200, groupIntervalMs: 1000, repeatIntervalMs: 3_600_000 },
      routes: { hook: { type: 'webhook', url } },
      rules: [
        { id: 'sl-low', name: 'SL below 80 %', metric: 'sl.primary', window: 'rolling-15m', comparator: '<', fire: 0.8, clear: 0.85, forMs: 0, keepFiringForMs: 0, minVolume: 5, severity: 'warning', routes: ['hook'] },
      ],
    }),
  );
}

/**
 * The alerter and the gateway on the Redis Cluster and the three Kafka brokers (issue 9, failure
 * tests 4): their keys spread over the three masters (each tenant's alert state and outbox in the
 * tenant's slot, the dispatcher's in {notify}), and a fire still goes out once per episode and a
 * wallboard still gets its snapshot. Runs in the cluster project only.
 */
describe.runIf(infra.redis.mode === 'cluster')('the alerter and gateway on the Redis Cluster', () => {
  const bed = useAlerterBed('cl-alert-gw');
  let gw: TestGateway;
  let namespace: string;
  beforeAll(async () => {
    namespace = `t${randomBytes(4).toString('hex')}`;
    gw = await startTestGateway(bed.stack, bed.redis, { namespace });
  });
  afterAll(async () => gw?.close());

  it('an alert fires once (one webhook POST for the episode) and a wallboard gets its snapshot and the alert', async () => {
    const store = new AlertStore(bed.redis, namespace);
    const alerter = testAlerter(bed.stack, store, rules(bed.receiver.url));
    await alerter.start();
    let sl = 0.95;
    const views = (): QueueView[] => QUEUES.map((q, i) => snapshot(TENANT, q, Date.now(), { answered: 40, withinSl: Math.round(40 * (q === 'sales' ? sl : 0.95)) - i }));
    const pub = publishSnapshots(bed.stack, views);
    try {
      const token = await issueToken({ tenantId: TENANT, role: 'wallboard', ttlSeconds: 600 }, SECRET);
      const wallboard = await open(gw.wsUrl, { token, origin: ORIGIN });
      try {
        // Healthy first: every queue evaluated, nothing sent.
        await waitFor('every queue evaluated healthy', async () => {
          const all = await store.list(TENANT);
          return all.length === QUEUES.length && all.every((a) => a.state === 'normal') ? true : undefined;
        });
        await dispatchSettled(store);
        expect(bed.receiver.posts).toHaveLength(0);

        // The wallboard's snapshot holds every queue the snapshots on cc.kpi.v1 named.
        await waitFor('the gateway to hold every queue', () => (gw.gateway.hub.tenantViews(TENANT).length === QUEUES.length ? true : undefined));
        wallboard.send({ type: 'subscribe', queues: '*' });
        const snap = await wallboard.next('snapshot', (f) => (f.queues as QueueView[]).length === QUEUES.length);
        expect((snap.queues as QueueView[]).map((q) => [q.tenantId, q.queueId]).sort()).toEqual(QUEUES.map((q) => [TENANT, q]).sort());

        sl = 0.5;
        await waitFor('the fire to reach the webhook', () => (bed.receiver.alerts().some((a) => a.kind === 'fire') ? true : undefined), 30_000);
        // Many evaluations after the fire while the breach lasts: still one POST for the episode.
        for (let round = 0; round < 3; round += 1) {
          const after = Date.now();
          await waitFor('another evaluation of every alert', async () => {
            const all = await store.list(TENANT);
            return all.length === QUEUES.length && all.every((a) => a.lastEvaluatedAt > after) ? true : undefined;
          });
        }
        await dispatchSettled(store);
        const fires = bed.receiver.alerts().filter((a) => a.kind === 'fire');
        expect(fires.map((a) => [a.tenantId, a.queueId, a.episode])).toEqual([[TENANT, 'sales', 1]]);
        expect(bed.receiver.posts).toHaveLength(1);
        expect((await store.list(TENANT)).find((a) => a.queueId === 'sales')?.state).toBe('firing');

        // The gateway forwards the change from cc.alerts.v1 to the wallboard.
        const alert = await wallboard.next('alert', (f) => (f.alert as { kind: string }).kind === 'fire', 30_000);
        expect(alert.alert).toMatchObject({ tenantId: TENANT, queueId: 'sales', kind: 'fire' });
      } finally {
        wallboard.close();
      }
    } finally {
      await pub.stop();
      await alerter.close();
    }
  }, 120_000);
});
