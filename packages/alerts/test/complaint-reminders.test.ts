import { describe, expect, it } from 'vitest';
import {
  decideReminderNotifications,
  defaultRules,
  fireReminder,
  maxLeadMs,
  METRICS,
  metricInfo,
  parseRules,
  type ReminderComplaint,
  reminderAppliesTo,
  reminderFingerprint,
  type ReminderRule,
  reminderStep,
  reminderSteps,
  reminderSummary,
  resolveReminder,
  rulesForQueue,
  sampleMetric,
  type Silence,
} from '../src/index.js';
import { makeView, windowKpi } from './helpers/fixtures.js';

const MIN = 60_000;
const DUE = Date.parse('2026-12-01T10:00:00.000Z');

function reminder(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { kind: 'complaint-reminder', id: 'urgent', name: 'urgent complaints', complaintSeverities: ['urgent'], leadTimesMs: [30 * MIN, 5 * MIN], severity: 'critical', routes: ['pager'], ...overrides };
}

function file(rules: unknown[]): unknown {
  return { version: 1, routes: { pager: { type: 'webhook', url: 'http://127.0.0.1:9/hook' } }, rules };
}

function parsedReminder(overrides: Record<string, unknown> = {}): ReminderRule {
  return parseRules(file([reminder(overrides)])).reminders[0]!;
}

function complaint(overrides: Partial<ReminderComplaint> = {}): ReminderComplaint {
  return { complaintId: 'c-1', tenantId: 'acme', queueId: 'billing', severity: 'urgent', category: 'billing-error', channel: 'voice', filedAt: DUE - 4 * 60 * MIN, dueAt: DUE, respondedAt: null, closedAt: null, ...overrides };
}

function refusal(rules: unknown[]): string {
  try {
    parseRules(file(rules), 'rules.json');
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected the rules to be refused');
}

describe('complaint reminder rules: validation', () => {
  it('parses a reminder rule into `reminders`, metric rules stay in `rules`', () => {
    const parsed = parseRules(file([reminder(), { id: 'sl', name: 'sl', metric: 'sl.primary', comparator: '<', fire: 0.8, severity: 'warning', minVolume: 5 }]));
    expect(parsed.rules.map((r) => r.id)).toEqual(['sl']);
    expect(parsed.reminders).toEqual([
      { kind: 'complaint-reminder', id: 'urgent', name: 'urgent complaints', scope: { tenant: '*', queue: '*' }, complaintSeverities: ['urgent'], leadTimesMs: [1_800_000, 300_000], atDue: true, severity: 'critical', labels: {}, routes: ['pager'] },
    ]);
  });

  it('refuses bad lead times with the field’s path', () => {
    expect(refusal([reminder({ leadTimesMs: [0] })])).toMatch(/rules\[0\]\.leadTimesMs\[0\]: must be > 0 \(a reminder at the deadline is "atDue": true\)/);
    expect(refusal([reminder({ leadTimesMs: [-5] })])).toMatch(/rules\[0\]\.leadTimesMs\[0\]: must be > 0/);
    expect(refusal([reminder({ leadTimesMs: [1.5] })])).toMatch(/rules\[0\]\.leadTimesMs\[0\]: must be whole milliseconds/);
    expect(refusal([reminder({ leadTimesMs: ['30m'] })])).toMatch(/rules\[0\]\.leadTimesMs\[0\]: must be a number of milliseconds/);
    expect(refusal([reminder({ leadTimesMs: [8 * 86_400_000] })])).toMatch(/rules\[0\]\.leadTimesMs\[0\]: must be at most 604800000 \(7 days\)/);
    expect(refusal([reminder({ leadTimesMs: [300_000, 300_000] })])).toMatch(/rules\[0\]\.leadTimesMs\[1\]: lead time 300000 is given twice/);
    expect(refusal([reminder({ leadTimesMs: [], atDue: false })])).toMatch(/rules\[0\]\.leadTimesMs: a reminder rule needs at least one step/);
  });

  it('refuses unknown severities, kinds and routes', () => {
    expect(refusal([reminder({ complaintSeverities: ['high'] })])).toMatch(/rules\[0\]\.complaintSeverities\[0\]: unknown complaint severity; expected one of normal, urgent/);
    expect(refusal([reminder({ complaintSeverities: [] })])).toMatch(/rules\[0\]\.complaintSeverities: must name at least one complaint severity/);
    expect(refusal([reminder({ complaintSeverities: ['urgent', 'urgent'] })])).toMatch(/rules\[0\]\.complaintSeverities\[1\]: urgent is given twice/);
    expect(refusal([reminder({ severity: 'page' })])).toMatch(/rules\[0\]\.severity: unknown severity; expected one of warning, critical/);
    expect(refusal([reminder({ kind: 'complaint-reminders' })])).toMatch(/rules\[0\]\.kind: unknown rule kind "complaint-reminders"/);
    expect(refusal([reminder({ routes: ['nowhere'] })])).toMatch(/rules\[0\]\.routes\[0\]: unknown route "nowhere"; routes defined: pager/);
    expect(refusal([reminder({ metric: 'sl.primary' })])).toMatch(/rules\[0\]: Unrecognized key\(s\) in object: 'metric'/);
    expect(refusal([reminder(), reminder()])).toMatch(/rules\[1\]\.id: duplicate rule id "urgent" \(also rules\[0\]\)/);
  });

  it('keeps a metric rule’s errors as precise as before', () => {
    expect(refusal([{ id: 'x', name: 'x', metric: 'sl.primary', comparator: '<', fire: 80, severity: 'warning' }])).toMatch(/rules\[0\]\.fire: 80 is impossible for sl\.primary/);
  });
});

describe('complaint reminder steps (pure)', () => {
  const rule = parsedReminder();

  it('lists steps earliest first and the longest lead', () => {
    expect(reminderSteps(parsedReminder({ leadTimesMs: [5 * MIN, 30 * MIN] })).map((s) => s.name)).toEqual(['lead-1800000', 'lead-300000', 'due']);
    expect(reminderSteps(parsedReminder({ atDue: false })).map((s) => s.name)).toEqual(['lead-1800000', 'lead-300000']);
    expect(maxLeadMs(rule)).toBe(30 * MIN);
    expect(maxLeadMs(parsedReminder({ leadTimesMs: [] }))).toBe(0);
  });

  it('reaches each step at exactly due − lead, and due at exactly the due time', () => {
    const c = complaint();
    expect(reminderStep(rule, c, DUE - 30 * MIN - 1)).toBeUndefined();
    expect(reminderStep(rule, c, DUE - 30 * MIN)?.name).toBe('lead-1800000');
    expect(reminderStep(rule, c, DUE - 5 * MIN - 1)?.name).toBe('lead-1800000');
    expect(reminderStep(rule, c, DUE - 5 * MIN)?.name).toBe('lead-300000');
    expect(reminderStep(rule, c, DUE - 1)?.name).toBe('lead-300000');
    expect(reminderStep(rule, c, DUE)).toEqual({ name: 'due', offsetMs: 0 });
    expect(reminderStep(rule, c, DUE + 3 * 86_400_000)?.name).toBe('due');
  });

  it('returns only the most advanced step: an alerter down across the deadline sends one due, not three', () => {
    expect(reminderStep(rule, complaint(), DUE + MIN)).toEqual({ name: 'due', offsetMs: 0 });
    expect(reminderStep(parsedReminder({ atDue: false }), complaint(), DUE + MIN)?.name).toBe('lead-300000');
  });

  it('stops after a response or a closing, even one past the due time', () => {
    expect(reminderStep(rule, complaint({ respondedAt: DUE - 40 * MIN }), DUE - 5 * MIN)).toBeUndefined();
    expect(reminderStep(rule, complaint({ respondedAt: DUE + MIN }), DUE + 2 * MIN)).toBeUndefined();
    expect(reminderStep(rule, complaint({ closedAt: DUE - MIN }), DUE)).toBeUndefined();
  });

  it('covers complaints by tenant and queue glob and complaint severity; a queue-less complaint only under queue *', () => {
    expect(reminderAppliesTo(rule, complaint())).toBe(true);
    expect(reminderAppliesTo(rule, complaint({ severity: 'normal' }))).toBe(false);
    expect(reminderAppliesTo(parsedReminder({ scope: { tenant: 'glob*' } }), complaint())).toBe(false);
    expect(reminderAppliesTo(parsedReminder({ scope: { queue: 'bill*' } }), complaint())).toBe(true);
    expect(reminderAppliesTo(parsedReminder({ scope: { queue: 'bill*' } }), complaint({ queueId: null }))).toBe(false);
    expect(reminderAppliesTo(rule, complaint({ queueId: null }))).toBe(true);
  });

  it('fingerprints rule, tenant, complaint and step', () => {
    const fp = reminderFingerprint('urgent', 'acme', 'c-1', 'due');
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(reminderFingerprint('urgent', 'acme', 'c-1', 'due')).toBe(fp);
    for (const other of [reminderFingerprint('normal', 'acme', 'c-1', 'due'), reminderFingerprint('urgent', 'globex', 'c-1', 'due'), reminderFingerprint('urgent', 'acme', 'c-2', 'due'), reminderFingerprint('urgent', 'acme', 'c-1', 'lead-300000')]) {
      expect(other).not.toBe(fp);
    }
    // Complaint ids may hold a |: no two (complaint, step) pairs run together.
    expect(reminderFingerprint('r', 't', 'a|lead-1', 'due')).not.toBe(reminderFingerprint('r', 't', 'a', 'lead-1|due'));
  });
});

describe('complaint reminder alerts and notifications', () => {
  const rule = parsedReminder({ labels: { team: 'care' } });

  it('fires one alert with the complaint’s facts, files it under the complaint’s queue (or *)', () => {
    const state = fireReminder(rule, complaint(), { name: 'lead-300000', offsetMs: 5 * MIN }, DUE - 5 * MIN);
    expect(state).toMatchObject({ fingerprint: reminderFingerprint('urgent', 'acme', 'c-1', 'lead-300000'), ruleId: 'urgent', tenantId: 'acme', queueId: 'billing', state: 'firing', episode: 1, value: 5 * MIN });
    expect(state.reminder).toEqual({ complaintId: 'c-1', step: 'lead-300000', queueId: 'billing', category: 'billing-error', channel: 'voice', complaintSeverity: 'urgent', filedAt: DUE - 240 * MIN, dueAt: DUE });
    expect(fireReminder(rule, complaint({ queueId: null }), { name: 'due', offsetMs: 0 }, DUE).queueId).toBe('*');
  });

  it('notifies the fire with labels and a message in English and Chinese, then the resolve', () => {
    const fired = decideReminderNotifications(fireReminder(rule, complaint(), { name: 'lead-300000', offsetMs: 5 * MIN }, DUE - 5 * MIN), rule, [], DUE - 5 * MIN);
    expect(fired.notifications).toHaveLength(1);
    const n = fired.notifications[0]!;
    expect(n).toMatchObject({ kind: 'fire', ruleId: 'urgent', severity: 'critical', metric: 'complaint.reminder', queueId: 'billing', routes: ['pager'] });
    expect(n.labels).toEqual({ team: 'care', complaintId: 'c-1', step: 'lead-300000', category: 'billing-error', channel: 'voice', complaintSeverity: 'urgent', dueAt: '2026-12-01T10:00:00.000Z', queueId: 'billing' });
    expect(n.summary).toBe('Urgent complaint c-1 (category billing-error, queue billing) is due at 2026-12-01T10:00:00.000Z: 5 min left');
    expect(n.summaryZh).toBe('紧急投诉 c-1（类别 billing-error，队列 billing）将于 2026-12-01T10:00:00.000Z 到期，剩余 5 分钟');
    const resolved = decideReminderNotifications(resolveReminder(fired.state as typeof fired.state & { reminder: never }, DUE - MIN), rule, [], DUE - MIN);
    expect(resolved.notifications.map((x) => x.kind)).toEqual(['resolve']);
    expect(resolved.notifications[0]!.summary).toBe('Urgent complaint c-1 (category billing-error, queue billing) was answered or closed; its reminders stop');
  });

  it('says how long a complaint is overdue, and names a queue-less one', () => {
    const facts = fireReminder(rule, complaint({ queueId: null, severity: 'normal' }), { name: 'due', offsetMs: 0 }, DUE).reminder;
    expect(reminderSummary(facts, DUE, 'fire').en).toBe('Normal complaint c-1 (category billing-error, no queue) is due now (2026-12-01T10:00:00.000Z) without a response');
    expect(reminderSummary(facts, DUE + 135 * MIN, 'fire')).toEqual({
      en: 'Normal complaint c-1 (category billing-error, no queue) was due at 2026-12-01T10:00:00.000Z: 2 h 15 min overdue',
      zh: '普通投诉 c-1（类别 billing-error，无队列）已于 2026-12-01T10:00:00.000Z 超期 2 小时 15 分钟，尚未响应',
    });
  });

  it('holds a fire under a matching silence and marks nothing sent', () => {
    const silence: Silence = { id: 's1', tenant: 'acme', queue: 'bill*', reason: 'outage', createdBy: 'lead', createdAt: DUE - 60 * MIN, expiresAt: DUE + 60 * MIN };
    const decided = decideReminderNotifications(fireReminder(rule, complaint(), { name: 'due', offsetMs: 0 }, DUE), rule, [silence], DUE);
    expect(decided.notifications).toEqual([]);
    expect(decided.silencedBy).toBe('s1');
    expect(decided.state.notifiedEpisode).toBeUndefined();
  });
});

describe('tenant-total snapshots and the wave 2 metrics', () => {
  const metricRule = (overrides: Record<string, unknown>) => ({ id: 'x', name: 'x', metric: 'live.complaintsOverdue', comparator: '>', fire: 3, severity: 'warning', ...overrides });

  it('a queue rule never matches the tenant total; a tenant rule matches only it', () => {
    const rules = parseRules(file([metricRule({ id: 'q' }), metricRule({ id: 't', level: 'tenant' }), metricRule({ id: 'other', level: 'tenant', scope: { tenant: 'globex' } })])).rules;
    expect(rulesForQueue(rules, 'acme', 'sales').map((r) => r.id)).toEqual(['q']);
    expect(rulesForQueue(rules, 'acme', null).map((r) => r.id)).toEqual(['t']);
  });

  it('refuses a tenant rule with a queue scope, or on a per-source or planning metric', () => {
    expect(refusal([metricRule({ level: 'tenant', scope: { queue: 'sales' } })])).toMatch(/rules\[0\]\.scope: a rule with "level": "tenant" reads the tenant-total snapshot, which has no queue: scope\.queue must be "\*"/);
    expect(refusal([metricRule({ level: 'tenant', metric: 'source.silent', fire: 0.5 })])).toMatch(/rules\[0\]\.level: source\.silent is read per source, not on the tenant total/);
    expect(refusal([metricRule({ level: 'tenant', metric: 'planning.projectedSl', comparator: '<', fire: 0.5 })])).toMatch(/rules\[0\]\.level: planning\.projectedSl is read per queue/);
    expect(refusal([metricRule({ level: 'region' })])).toMatch(/rules\[0\]\.level/);
  });

  it('reads the wave 2 ratios with their own denominators as volume, and no data from a snapshot without them', () => {
    const w = {
      ...windowKpi('today', { answered: 400, outboundAttempts: 50, outboundConnected: 20, firstResponses: 8, complaintsResponded: 4, csatResponses: 10, npsResponses: 12, fcrContacts: 30, fcrPending: 5 }),
      outbound: { connectRate: 0.4, successRate: 0.25 },
      avgFirstResponseMs: 42_000,
      firstResponseWithinTarget: 0.75,
      complaintsPer10k: 12.5,
      complaintResponseOnTimeRate: 0.5,
      csatRate: 0.9,
      nps: -20,
      fcrRepeatRate: 0.8,
    };
    const view = makeView({ windows: [w as unknown as ReturnType<typeof windowKpi>] });
    expect(sampleMetric(view, 'outbound.connectRate', 'today')).toEqual({ value: 0.4, volume: 50 });
    expect(sampleMetric(view, 'outbound.successRate', 'today')).toEqual({ value: 0.25, volume: 20 });
    expect(sampleMetric(view, 'avgFirstResponseMs', 'today')).toEqual({ value: 42_000, volume: 8 });
    expect(sampleMetric(view, 'firstResponseWithinTarget', 'today')).toEqual({ value: 0.75, volume: 8 });
    expect(sampleMetric(view, 'complaintsPer10k', 'today')).toEqual({ value: 12.5, volume: 400 });
    expect(sampleMetric(view, 'complaintResponseOnTimeRate', 'today')).toEqual({ value: 0.5, volume: 4 });
    expect(sampleMetric(view, 'csatRate', 'today')).toEqual({ value: 0.9, volume: 10 });
    expect(sampleMetric(view, 'nps', 'today')).toEqual({ value: -20, volume: 12 });
    expect(sampleMetric(view, 'fcrRepeatRate', 'today')).toEqual({ value: 0.8, volume: 25 });
    // A snapshot written before wave 2: its windows lack the new ratios.
    const bare: Record<string, unknown> = { ...windowKpi('today', { answered: 400 }) };
    for (const key of ['outbound', 'complaintsPer10k']) delete bare[key];
    const old = makeView({ windows: [bare as unknown as ReturnType<typeof windowKpi>] });
    expect(sampleMetric(old, 'complaintsPer10k', 'today')).toEqual({ value: null, volume: 0 });
    expect(sampleMetric(old, 'outbound.connectRate', 'today')).toEqual({ value: null, volume: 0 });
  });

  it('reads complaint live state as facts; none open is 0 old; a snapshot without it is no data', () => {
    const view = makeView({ live: { complaintsOpen: 4, complaintsOverdue: 2, oldestOpenComplaintAgeMs: 90 * MIN } as never });
    expect(sampleMetric(view, 'live.complaintsOpen', 'today')).toEqual({ value: 4, volume: Number.POSITIVE_INFINITY });
    expect(sampleMetric(view, 'live.complaintsOverdue', 'rolling-5m')).toEqual({ value: 2, volume: Number.POSITIVE_INFINITY });
    expect(sampleMetric(view, 'live.oldestOpenComplaintAgeMs', 'today').value).toBe(90 * MIN);
    expect(sampleMetric(makeView({ live: { complaintsOpen: 0, complaintsOverdue: 0, oldestOpenComplaintAgeMs: null } as never }), 'live.oldestOpenComplaintAgeMs', 'today').value).toBe(0);
    expect(sampleMetric(makeView(), 'live.complaintsOverdue', 'today')).toEqual({ value: null, volume: 0 });
  });

  it('knows each new metric’s unit, range and which way it goes wrong', () => {
    expect(metricInfo('nps')).toMatchObject({ source: 'window', unit: 'nps', min: -100, max: 100, worse: 'low' });
    expect(metricInfo('complaintsPer10k')).toMatchObject({ unit: 'per10k', min: 0, max: Number.POSITIVE_INFINITY, worse: 'high' });
    expect(metricInfo('outbound.connectRate')).toMatchObject({ unit: 'ratio', worse: 'low' });
    expect(metricInfo('avgFirstResponseMs')).toMatchObject({ unit: 'ms', worse: 'high' });
    expect(metricInfo('live.complaintsOverdue')).toMatchObject({ source: 'live', unit: 'count', worse: 'high' });
    expect(metricInfo('live.oldestOpenComplaintAgeMs')).toMatchObject({ source: 'live', unit: 'ms', worse: 'high' });
    expect(metricInfo('sl.primary').worse).toBe('low');
    expect(metricInfo('abandonRate').worse).toBe('high');
    expect(metricInfo('planning.requiredAgentsGap').worse).toBe('either');
    for (const m of METRICS) expect(['low', 'high', 'either'], m).toContain(metricInfo(m).worse);
    expect(refusal([metricRule({ metric: 'nps', comparator: '<', fire: -101 })])).toMatch(/-101 is impossible for nps, whose values lie in \[-100, 100\]/);
  });

  it('ships reminders for urgent and normal complaints and backlog rules per queue and per tenant', () => {
    const shipped = defaultRules();
    const byId = new Map([...shipped.rules, ...shipped.reminders].map((r) => [r.id, r]));
    expect(byId.get('complaint-urgent-reminder')).toMatchObject({ complaintSeverities: ['urgent'], leadTimesMs: [1_800_000, 300_000], atDue: true, severity: 'critical' });
    expect(byId.get('complaint-normal-reminder')).toMatchObject({ complaintSeverities: ['normal'], leadTimesMs: [3_600_000], atDue: true, severity: 'warning' });
    expect(byId.get('complaints-overdue-tenant')).toMatchObject({ level: 'tenant', metric: 'live.complaintsOverdue', comparator: '>=', fire: 5 });
    expect(byId.get('complaints-overdue-queue')).toMatchObject({ level: 'queue', metric: 'live.complaintsOverdue' });
    expect(byId.get('complaints-per-10k-tenant')).toMatchObject({ level: 'tenant', metric: 'complaintsPer10k', window: 'today', comparator: '>', fire: 10 });
    expect(byId.get('complaints-per-10k-queue')).toMatchObject({ level: 'queue', metric: 'complaintsPer10k', window: 'today' });
    expect(rulesForQueue(shipped.rules, 'acme', null).map((r) => r.id)).toEqual(['complaints-overdue-tenant', 'complaints-per-10k-tenant']);
  });
});
