import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emptyCounts, RATIO_FIELDS, type KpiCounts } from '@callboard/kpi';
import { callboard } from '../helpers/cli.js';

/**
 * `callboard kpi` on a small file of wave 2 events (issue 11 acceptance 1), every figure worked out
 * by hand below. Tenant t1: 4 000 subscribers, repeat window 2 h, complaints due in 2 h (normal) or
 * 1 h (urgent); queue `chat` has a 60 s first-response target.
 */
const T = Date.parse('2026-03-01T00:00:00.000Z');
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const iso = (ms: number): string => new Date(T + ms).toISOString();

let n = 0;
const ev = (type: string, at: number, fields: Record<string, unknown>, eventId = `e${(n += 1)}`) => ({ eventId, type, occurredAt: iso(at), tenantId: 't1', ...fields });
const offer = (callId: string, queueId: string, at: number, direction: 'inbound' | 'outbound', callerKey?: string) =>
  ev('call.offered', at, { callId, queueId, channel: queueId === 'chat' ? 'chat' : 'voice', direction, ...(callerKey ? { callerKey } : {}) });
const answer = (callId: string, queueId: string, at: number, waitMs: number, extra: Record<string, unknown> = {}) => ev('call.answered', at, { callId, queueId, agentId: 'a1', waitMs, ...extra });
const complete = (callId: string, queueId: string, at: number, talkMs: number, extra: Record<string, unknown> = {}) =>
  ev('call.completed', at, { callId, queueId, agentId: 'a1', talkMs, holdMs: 0, wrapMs: 0, transferred: false, ...extra });

const v0Answer = answer('v0', 'voice', 3 * S, 3000);
const k2Filed = ev('complaint.filed', 1 * MIN, { complaintId: 'k2', queueId: 'voice', channel: 'voice', category: 'billing', severity: 'urgent', responseDueAt: '2026-03-01T08:31:00+08:00' });
const EVENTS = [
  // camp: outbound. o1's offer is stamped after its answer; o3 has no outcome; o4 is connected, in progress.
  answer('o1', 'camp', 5 * S, 5000),
  offer('o1', 'camp', 10 * S, 'outbound'),
  complete('o1', 'camp', 65 * S, 60_000, { success: true }),
  offer('o2', 'camp', 0, 'outbound'),
  ev('call.flowed_out', 30 * S, { callId: 'o2', queueId: 'camp', waitMs: 30_000, reason: 'no_answer' }),
  offer('o3', 'camp', 0, 'outbound'),
  offer('o4', 'camp', 0, 'outbound'),
  answer('o4', 'camp', 8 * S, 8000),
  // chat: first response exactly at the 60 s target (within) and 1 ms over (not).
  offer('m1', 'chat', 0, 'inbound', 'ck-a'),
  answer('m1', 'chat', 10 * S, 10_000, { firstResponseMs: 60_000 }),
  complete('m1', 'chat', 300 * S, 200_000, { wrapMs: 10_000, resolved: true }),
  offer('m2', 'chat', 60 * S, 'inbound', 'ck-b'),
  answer('m2', 'chat', 70 * S, 10_000, { firstResponseMs: 60_001 }),
  // voice: v1 is ck-a again exactly 2 h after m1 (a repeat); v0 (ck-c) is final by then.
  offer('v0', 'voice', 0, 'inbound', 'ck-c'),
  v0Answer,
  { ...v0Answer }, // a copy: a duplicate
  offer('v1', 'voice', 2 * H, 'inbound', 'ck-a'),
  answer('v1', 'voice', 2 * H + 5 * S, 5000), // the newest call event: the tenant clock
  // surveys: s1 twice under two eventIds (counted once); s2 with only csat.
  ev('survey.completed', 10 * MIN, { surveyId: 's1', queueId: 'voice', csat: 5, nps: 9, resolved: true }),
  ev('survey.completed', 11 * MIN, { surveyId: 's1', queueId: 'voice', csat: 1 }),
  ev('survey.completed', 12 * MIN, { surveyId: 's2', queueId: 'chat', csat: 3 }),
  // complaints: k1 answered exactly at its default due time; k2 due 00:31Z (+08:00) answered 1 ms late,
  // filed twice; k3 without a queue (tenant level, although it names a call).
  ev('complaint.filed', 1 * MIN, { complaintId: 'k1', queueId: 'voice', channel: 'voice', category: 'billing', severity: 'normal' }),
  ev('complaint.responded', 1 * MIN + 2 * H, { complaintId: 'k1' }),
  ev('complaint.resolved', 3 * H, { complaintId: 'k1', outcome: 'resolved' }),
  k2Filed,
  { ...k2Filed, eventId: 'k2-again', occurredAt: iso(5 * MIN) },
  ev('complaint.responded', 31 * MIN + 1, { complaintId: 'k2' }),
  ev('complaint.filed', 2 * MIN, { complaintId: 'k3', callId: 'v0', channel: 'voice', category: 'service', severity: 'normal' }),
  ev('agent.state_changed', 0, { agentId: 'a1', state: 'available', queueIds: ['voice'] }),
];

const SETTINGS = {
  defaults: { slThresholdMs: 20_000, shortAbandonMs: 5000 },
  tenants: {
    t1: {
      timeZone: 'UTC',
      subscribers: 4000,
      repeatWindowHours: 2,
      complaintResponseMs: { urgent: H, normal: 2 * H },
      queues: { chat: { firstResponseTargetMs: 60_000 } },
    },
  },
};

const counts = (c: Partial<KpiCounts>): KpiCounts => ({ ...emptyCounts(), ...c });

const ROW_FIELDS = ['tenantId', 'queueId', 'counts', ...RATIO_FIELDS, 'anomalies', 'duplicates', 'late', 'complaintState'];

describe('callboard kpi: wave 2 events, worked by hand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-kpi-wave2-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints queue rows and the tenant total with every counter and ratio', async () => {
    const input = join(dir, 'wave2.jsonl');
    const queues = join(dir, 'queues.json');
    writeFileSync(input, `${EVENTS.map((e) => JSON.stringify(e)).join('\n')}\n`);
    writeFileSync(queues, JSON.stringify(SETTINGS));
    const r = await callboard(['kpi', '--input', input, '--queues', queues, '--now', iso(3 * H), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['queues', 'tenants']);
    expect(out.queues.map((q: { queueId: string }) => q.queueId)).toEqual(['camp', 'chat', 'voice']);
    for (const row of [...out.queues, ...out.tenants]) expect(Object.keys(row)).toEqual(ROW_FIELDS);
    const [camp, chat, voice] = out.queues;
    const [tenant] = out.tenants;

    expect(camp.counts).toEqual(
      counts({ outboundAttempts: 4, outboundConnected: 2, outboundRingMs: 13_000, outboundFailedNoAnswer: 1, outboundCompleted: 1, outboundSucceeded: 1, outboundTalkMs: 60_000, maxWaitMs: 30_000 }),
    );
    expect(camp.outbound).toEqual({
      attempts: 4,
      connected: 2,
      succeeded: 1,
      abandoned: 0,
      failed: { no_answer: 1, busy: 0, invalid_number: 0, rejected: 0, other: 0 },
      connectRate: 0.5,
      successRate: 0.5, // o4, connected and in progress, is in the denominator
      avgRingMs: 6500,
      avgTalkMs: 60_000,
    });
    expect([camp.answerRate, camp.complaintsPer10k, camp.complaintsPer10kSubscribers]).toEqual([null, null, 0]);

    expect(chat.counts).toEqual(
      counts({
        offered: 2,
        answered: 2,
        answeredWithinSl: 2,
        waitMsAnswered: 20_000,
        maxWaitMs: 10_000,
        completed: 1,
        talkMs: 200_000,
        wrapMs: 10_000,
        resolvedKnown: 1,
        resolved: 1,
        firstResponses: 2,
        firstResponseMs: 120_001,
        firstResponsesWithinTarget: 1,
        surveys: 1,
        csatResponses: 1,
        csatSum: 3,
        fcrContacts: 2, // m1 (repeated by v1 exactly 2 h later) and m2 (pending: the clock is 2 h 5 s, not past 2 h 1 min)
        fcrRepeated: 1,
        fcrPending: 1,
      }),
    );
    expect([chat.avgFirstResponseMs, chat.firstResponseWithinTarget, chat.csatRate, chat.avgCsat, chat.nps, chat.fcrRepeatRate, chat.fcrRate]).toEqual([60_000.5, 0.5, 0, 3, null, 0, 1]);

    expect(voice.counts).toEqual(
      counts({
        offered: 2,
        answered: 2,
        answeredWithinSl: 2,
        waitMsAnswered: 8000,
        maxWaitMs: 5000,
        surveys: 1,
        csatResponses: 1,
        csatSatisfied: 1,
        csatSum: 5,
        npsResponses: 1,
        npsPromoters: 1,
        surveyResolvedKnown: 1,
        surveyResolved: 1,
        complaintsFiled: 2,
        complaintsResponded: 2,
        complaintsRespondedOnTime: 1,
        complaintsResolved: 1,
        fcrContacts: 2, // v0 final without a repeat, v1 pending
        fcrPending: 1,
      }),
    );
    expect(voice.duplicates).toBe(3); // the answer's copy, s1's second eventId, k2's second filing
    expect([voice.complaintsPer10k, voice.complaintsPer10kSubscribers, voice.complaintResponseOnTimeRate]).toEqual([10_000, 5, 0.5]);
    expect([voice.csatRate, voice.avgCsat, voice.nps, voice.surveyResolvedRate, voice.fcrRepeatRate, voice.fcrRate]).toEqual([1, 5, 100, 1, 1, null]);
    expect(voice.complaintState).toEqual({ complaintsOpen: 1, complaintsOverdue: 0, oldestOpenComplaintAgeMs: 3 * H - MIN });

    expect(tenant).toMatchObject({ tenantId: 't1', queueId: null, anomalies: 0, duplicates: 3, late: 0 });
    const sum: KpiCounts = emptyCounts();
    for (const q of out.queues) for (const f of Object.keys(sum) as (keyof KpiCounts)[]) sum[f] = f === 'maxWaitMs' ? Math.max(sum[f], q.counts[f]) : sum[f] + q.counts[f];
    expect(tenant.counts).toEqual({ ...sum, complaintsFiled: 3 }); // + k3 at tenant level
    expect(tenant.outbound).toEqual(camp.outbound);
    expect([tenant.complaintsPer10k, tenant.complaintsPer10kSubscribers, tenant.complaintResponseOnTimeRate]).toEqual([7500, 7.5, 0.5]);
    expect([tenant.csatRate, tenant.avgCsat, tenant.nps, tenant.fcrRepeatRate]).toEqual([0.5, 4, 100, 0.5]);
    expect(tenant.sl.negativeAbandon).toBe(1);
    // k2 open (answered), k3 open and overdue since 2 h 2 min; the oldest open was filed at 1 min.
    expect(tenant.complaintState).toEqual({ complaintsOpen: 2, complaintsOverdue: 1, oldestOpenComplaintAgeMs: 3 * H - MIN });
  });

  it('without --now prints no complaint state; a range counts each event at its own time', async () => {
    const input = join(dir, 'wave2.jsonl');
    const queues = join(dir, 'queues.json');
    const r = await callboard(['kpi', '--input', input, '--queues', queues, '--from', iso(0), '--to', iso(H), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { queues: rows, tenants } = JSON.parse(r.stdout);
    expect(rows.map((q: { queueId: string }) => q.queueId)).toEqual(['camp', 'chat', 'voice']);
    const voice = rows[2];
    expect(voice).not.toHaveProperty('complaintState');
    // In the first hour: v0 only (v1 at 2 h), both filings, k2's late response; k1's response and closing come later.
    expect(voice.counts).toMatchObject({ offered: 1, answered: 1, complaintsFiled: 2, complaintsResponded: 1, complaintsRespondedOnTime: 0, complaintsResolved: 0, fcrContacts: 1, fcrPending: 0 });
    expect(tenants[0].counts.complaintsFiled).toBe(3);
  });
});
