import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Alerter, AlertStore } from '@callboard/alerter';
import { COMPLAINT_SEVERITIES as ALERT_COMPLAINT_SEVERITIES, loadRules, reminderFingerprint, type RulesFile } from '@callboard/alerts';
import { COMPLAINT_SEVERITIES, type CanonicalEvent } from '@callboard/events';
import { WindowStore } from '@callboard/windows';
import { useAlerterBed } from '../helpers/alerter-bed.js';
import { readBack } from '../helpers/infra.js';
import { testAggregator, testAlerter } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

const MIN = 60_000;

/** The shipped urgent reminder's steps: 30 and 5 minutes before the due time, and at it. */
function rulesFile(url: string): RulesFile {
  return loadRules(
    JSON.stringify({
      version: 1,
      groups: { groupBy: ['tenantId', 'ruleId', 'kind'], groupWaitMs: 100, groupIntervalMs: 200, repeatIntervalMs: 3_600_000 },
      routes: { hook: { type: 'webhook', url } },
      rules: [{ kind: 'complaint-reminder', id: 'urgent', name: 'Urgent complaint due', complaintSeverities: ['urgent'], leadTimesMs: [30 * MIN, 5 * MIN], atDue: true, severity: 'critical', labels: { team: 'care' }, routes: ['hook'] }],
    }),
  );
}

interface Reminder {
  kind: string;
  fingerprint: string;
  labels: Record<string, string>;
  summary?: string;
  summaryZh?: string;
}

describe('complaint reminders end to end (issue 11 acceptance 3)', () => {
  const bed = useAlerterBed('complaint-reminders');

  it('reminds an unanswered urgent complaint at each lead time and at the deadline, once each across an alerter restart; an answer stops them', async () => {
    const { stack, redis, receiver } = bed;
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const tenant = 'acme-telecom';
    const windows = new WindowStore(redis, { namespace });
    const store = new AlertStore(redis, namespace);
    const rules = rulesFile(receiver.url);
    // The alerter's clock runs with the wall clock, plus a jump the test makes to reach each step
    // without waiting half an hour: group waits and retries still elapse in real time.
    let jumpMs = 0;
    const now = (): number => Date.now() + jumpMs;
    const t0 = Date.now();
    const due = t0 + 60 * MIN;
    const filed = (complaintId: string, dueAt: number): CanonicalEvent => ({
      type: 'complaint.filed',
      eventId: `${complaintId}-filed`,
      occurredAt: new Date(t0).toISOString(),
      tenantId: tenant,
      complaintId,
      queueId: 'billing',
      channel: 'voice',
      category: 'billing-error',
      severity: 'urgent',
      responseDueAt: new Date(dueAt).toISOString(),
    });
    const responded = (complaintId: string, at: number): CanonicalEvent => ({ type: 'complaint.responded', eventId: `${complaintId}-responded`, occurredAt: new Date(at).toISOString(), tenantId: tenant, complaintId });
    const produce = async (events: CanonicalEvent[]): Promise<void> => {
      const producer = stack.kafka.producer();
      await producer.connect();
      try {
        for (const e of events) {
          const r = await stack.codec.encodeEvent(e);
          await producer.send({ topic: r.topic, messages: [{ key: r.key, value: r.value }] });
        }
      } finally {
        await producer.disconnect();
      }
    };
    const reminders = (): Reminder[] => receiver.alerts() as unknown as Reminder[];
    const fired = (complaintId: string): string[] =>
      reminders()
        .filter((n) => n.kind === 'fire' && n.labels.complaintId === complaintId)
        .map((n) => n.labels.step!);
    const aggregator = testAggregator(stack, windows);
    await aggregator.start();
    let alerter: Alerter | undefined;
    try {
      // c-open stays unanswered; c-answered is answered before its first lead time; c-late was due
      // long before the alerter first looks at it, so it gets one `due`, not the lead times it missed.
      await produce([filed('c-open', due), filed('c-answered', due), filed('c-late', t0 + MIN), responded('c-answered', t0 + MIN)]);
      await waitFor('the live store to hold the two unanswered complaints', async () => {
        const ids = (await windows.dueComplaints(tenant, Number.POSITIVE_INFINITY)).map((c) => c.complaintId).sort();
        return ids.join() === 'c-late,c-open' ? true : undefined;
      });

      // The alerter first looks 30 minutes before the due time: lead-1800000 for c-open; c-late, overdue
      // by then, gets only `due`.
      jumpMs = due - 30 * MIN - t0;
      alerter = testAlerter(stack, store, rules, { now, complaints: windows, groupId: `${stack.prefix}alerter-reminders` });
      await alerter.start();
      await waitFor('the 30-minute reminder', () => (fired('c-open').includes('lead-1800000') && fired('c-late').includes('due') ? true : undefined), 30_000);
      expect(fired('c-late')).toEqual(['due']);
      const first = reminders().find((n) => n.labels.complaintId === 'c-open')!;
      expect(first.fingerprint).toBe(reminderFingerprint('urgent', tenant, 'c-open', 'lead-1800000'));
      expect(first.labels).toMatchObject({ team: 'care', complaintId: 'c-open', step: 'lead-1800000', queueId: 'billing', category: 'billing-error', complaintSeverity: 'urgent', dueAt: new Date(due).toISOString() });
      expect(first.summary).toMatch(/^Urgent complaint c-open \(category billing-error, queue billing\) is due at .*: (29|30) min left$/);
      expect(first.summaryZh).toMatch(/^紧急投诉 c-open（类别 billing-error，队列 billing）将于 .* 到期，剩余 (29|30) 分钟$/);

      // Restart the alerter between two steps: the new instance must not send the first one again.
      await alerter.close();
      alerter = testAlerter(stack, store, rules, { now, complaints: windows, groupId: `${stack.prefix}alerter-reminders` });
      await alerter.start();
      await alerter.reminders!.tick(); // it has looked at every complaint at least once before the next jump

      jumpMs = due - 5 * MIN - t0;
      await waitFor('the 5-minute reminder', () => (fired('c-open').includes('lead-300000') ? true : undefined), 30_000);
      jumpMs = due - t0;
      await waitFor('the reminder at the deadline', () => (fired('c-open').includes('due') ? true : undefined), 30_000);
      await alerter.reminders!.tick();

      expect(fired('c-open')).toEqual(['lead-1800000', 'lead-300000', 'due']);
      expect(fired('c-late')).toEqual(['due']);
      expect(fired('c-answered')).toEqual([]);
      // The reminders are alerts like any other: stored, firing, published.
      const open = (await store.list(tenant)).filter((a) => a.state === 'firing').map((a) => a.fingerprint).sort();
      expect(open).toEqual(['lead-1800000', 'lead-300000', 'due'].map((s) => reminderFingerprint('urgent', tenant, 'c-open', s)).concat(reminderFingerprint('urgent', tenant, 'c-late', 'due')).sort());
      const records = await readBack(stack, stack.topology.alerts.name, (rs) => rs.filter((r) => r.ruleId === 'urgent' && r.kind === 'fire').length >= 4);
      expect(records.find((r) => r.fingerprint === first.fingerprint && r.kind === 'fire')).toMatchObject({ ruleName: 'Urgent complaint due', severity: 'critical', tenantId: tenant, queueId: 'billing', metric: 'complaint.reminder', state: 'firing', labels: { complaintId: 'c-open', step: 'lead-1800000' } });

      // Answering c-open stops its reminders and resolves the three, so the lead sees them clear.
      // At the wall clock's now: the aggregator refuses events from more than 5 minutes ahead.
      await produce([responded('c-open', Date.now())]);
      await waitFor('the resolves of c-open', () =>
        reminders().filter((n) => n.kind === 'resolve' && n.labels.complaintId === 'c-open').length === 3 ? true : undefined,
      30_000);
      jumpMs = due + 10 * MIN - t0;
      await alerter.reminders!.tick();
      expect(fired('c-open')).toEqual(['lead-1800000', 'lead-300000', 'due']);
      const states = new Map((await store.list(tenant)).map((a) => [a.fingerprint, a.state]));
      expect(states.get(reminderFingerprint('urgent', tenant, 'c-open', 'due'))).toBe('resolved');
      expect(states.get(reminderFingerprint('urgent', tenant, 'c-late', 'due'))).toBe('firing');
    } finally {
      await alerter?.close();
      await aggregator.close();
    }
  }, 180_000);

  it('knows the contract’s complaint severities', () => {
    expect([...ALERT_COMPLAINT_SEVERITIES]).toEqual([...COMPLAINT_SEVERITIES]);
  });
});
