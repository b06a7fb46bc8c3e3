import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AlertStore } from '@callboard/alerter';
import { fingerprint, loadRules } from '@callboard/alerts';
import type { KpiView, QueueView } from '@callboard/windows';
import { publishSnapshots, useAlerterBed } from '../helpers/alerter-bed.js';
import { testAlerter } from '../helpers/pipeline.js';
import { readBack } from '../helpers/infra.js';
import { snapshot } from '../helpers/snapshots.js';
import { waitFor } from '../helpers/wait.js';

describe('complaint backlog rules on the tenant-total snapshot (issue 11 item 4)', () => {
  const bed = useAlerterBed('complaint-backlog');

  it('a tenant-level rule fires once per tenant on the tenant total; a queue rule with scope * never takes the total for one more queue', async () => {
    const { stack, redis, receiver } = bed;
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const tenant = 'acme-telecom';
    const rules = loadRules(
      JSON.stringify({
        version: 1,
        groups: { groupBy: ['tenantId', 'ruleId', 'kind'], groupWaitMs: 100, groupIntervalMs: 200, repeatIntervalMs: 3_600_000 },
        routes: { hook: { type: 'webhook', url: receiver.url } },
        rules: [
          { id: 'overdue-tenant', name: 'tenant backlog', level: 'tenant', metric: 'live.complaintsOverdue', comparator: '>=', fire: 5, clear: 1, severity: 'critical', routes: ['hook'] },
          { id: 'overdue-queue', name: 'queue backlog', metric: 'live.complaintsOverdue', comparator: '>=', fire: 3, clear: 0, severity: 'warning', routes: ['hook'] },
        ],
      }),
    );
    const complaints = { complaintsOpen: 8, complaintsOverdue: 6, oldestOpenComplaintAgeMs: 7_200_000 };
    const views = (): QueueView[] => {
      const now = Date.now();
      const queue = snapshot(tenant, 'billing', now, { answered: 40, withinSl: 36 });
      const quiet = snapshot(tenant, 'sales', now, { answered: 40, withinSl: 36 });
      // The tenant total as the aggregator publishes it: queueId null, no planning (decoded without either key).
      const total: KpiView = { ...queue, queueId: null, planning: null, live: { ...queue.live, ...complaints } };
      return [{ ...queue, live: { ...queue.live, ...complaints } }, { ...quiet, live: { ...quiet.live, complaintsOpen: 2, complaintsOverdue: 0, oldestOpenComplaintAgeMs: 60_000 } }, total as unknown as QueueView];
    };
    const store = new AlertStore(redis, namespace);
    const alerter = testAlerter(stack, store, rules, { groupId: `${stack.prefix}alerter-backlog` });
    await alerter.start();
    const pub = publishSnapshots(stack, views);
    try {
      await waitFor('both backlog alerts to page', () => {
        const fired = receiver.alerts().filter((a) => a.kind === 'fire');
        return fired.some((a) => a.ruleId === 'overdue-tenant') && fired.some((a) => a.ruleId === 'overdue-queue') ? true : undefined;
      });
      const fired = receiver.alerts().filter((a) => a.kind === 'fire');
      expect(fired.filter((a) => a.ruleId === 'overdue-tenant').map((a) => [a.queueId, a.fingerprint])).toEqual([['*', fingerprint('overdue-tenant', tenant, '*')]]);
      expect(fired.filter((a) => a.ruleId === 'overdue-queue').map((a) => a.queueId)).toEqual(['billing']);
      // Every evaluation saves its state: had the queue rule read the total, it would have a state under *.
      const saved = (await store.list(tenant)).map((a) => `${a.ruleId}@${a.queueId}:${a.state}`).sort();
      expect(saved).toEqual(['overdue-queue@billing:firing', 'overdue-queue@sales:normal', 'overdue-tenant@*:firing']);
      const records = await readBack(stack, stack.topology.alerts.name, (rs) => rs.some((r) => r.ruleId === 'overdue-tenant' && r.kind === 'fire'));
      expect(records.find((r) => r.ruleId === 'overdue-tenant' && r.kind === 'fire')).toMatchObject({ tenantId: tenant, queueId: '*', metric: 'live.complaintsOverdue', value: 6 });
    } finally {
      await pub.stop();
      await alerter.close();
    }
  });
});
