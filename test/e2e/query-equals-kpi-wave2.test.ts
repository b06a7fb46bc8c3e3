import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CanonicalEvent, type CanonicalEventInput, isAgentEvent, isFeedbackEvent, parseEvent } from '@callboard/events';
import { COUNT_FIELDS, RATIO_FIELDS } from '@callboard/kpi';
import { QueueConfig } from '@callboard/queue-config';
import { createRedis, type RedisClient as Redis } from '@callboard/runtime';
import { monthOf, WindowStore } from '@callboard/windows';
import { callboard } from '../helpers/cli.js';
import { infra, testLogger } from '../helpers/infra.js';

/**
 * `callboard query` (the live store) equals `callboard kpi` (the oracle) for a range, field for field,
 * on a small file of wave 2 events: every counter and every ratio of each queue row and of the
 * tenant total (issue 11 item 5). Event times sit a few hours before now, inside Redis retention.
 */
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const T = Math.floor((Date.now() - 5 * H) / H) * H;
const iso = (ms: number): string => new Date(T + ms).toISOString();

let n = 0;
const ev = (type: string, at: number, fields: Record<string, unknown>, eventId = `q${(n += 1)}`) => ({ eventId, type, occurredAt: iso(at), tenantId: 't1', ...fields });
const offer = (callId: string, queueId: string, at: number, direction: 'inbound' | 'outbound', callerKey?: string) =>
  ev('call.offered', at, { callId, queueId, channel: queueId === 'chat' ? 'chat' : 'voice', direction, ...(callerKey ? { callerKey } : {}) });
const answer = (callId: string, queueId: string, at: number, waitMs: number, extra: Record<string, unknown> = {}) => ev('call.answered', at, { callId, queueId, agentId: 'a1', waitMs, ...extra });
const complete = (callId: string, queueId: string, at: number, talkMs: number, extra: Record<string, unknown> = {}) =>
  ev('call.completed', at, { callId, queueId, agentId: 'a1', talkMs, holdMs: 0, wrapMs: 0, transferred: false, ...extra });

const INPUTS = [
  // camp: outbound, one offer stamped after its answer, one without an outcome, one busy.
  answer('o1', 'camp', 5 * S, 5000),
  offer('o1', 'camp', 10 * S, 'outbound'),
  complete('o1', 'camp', 65 * S, 60_000, { success: true }),
  offer('o2', 'camp', 0, 'outbound'),
  ev('call.flowed_out', 30 * S, { callId: 'o2', queueId: 'camp', waitMs: 30_000, reason: 'busy' }),
  offer('o3', 'camp', 0, 'outbound'),
  // chat: first responses at and over the target.
  offer('m1', 'chat', 0, 'inbound', 'ck-a'),
  answer('m1', 'chat', 10 * S, 10_000, { firstResponseMs: 60_000 }),
  complete('m1', 'chat', 300 * S, 200_000, { resolved: true }),
  offer('m2', 'chat', 60 * S, 'inbound', 'ck-b'),
  answer('m2', 'chat', 70 * S, 10_000, { firstResponseMs: 60_001 }),
  // voice: ck-a again exactly 2 h after m1 (a repeat), an abandon.
  offer('v0', 'voice', 0, 'inbound', 'ck-c'),
  answer('v0', 'voice', 3 * S, 3000),
  offer('v1', 'voice', 2 * H, 'inbound', 'ck-a'),
  answer('v1', 'voice', 2 * H + 5 * S, 5000),
  offer('v2', 'voice', H, 'inbound'),
  ev('call.abandoned', H + 40 * S, { callId: 'v2', queueId: 'voice', waitMs: 40_000 }),
  // surveys, one twice under two eventIds, one with only csat.
  ev('survey.completed', 10 * MIN, { surveyId: 's1', queueId: 'voice', csat: 5, nps: 9, resolved: true }),
  ev('survey.completed', 11 * MIN, { surveyId: 's1', queueId: 'voice', csat: 1 }),
  ev('survey.completed', 12 * MIN, { surveyId: 's2', queueId: 'chat', csat: 3, nps: 2 }),
  // complaints: answered exactly at the due time, an urgent one late, one without a queue.
  ev('complaint.filed', 1 * MIN, { complaintId: 'k1', queueId: 'voice', channel: 'voice', category: 'billing', severity: 'normal' }),
  ev('complaint.responded', 1 * MIN + 2 * H, { complaintId: 'k1' }),
  ev('complaint.resolved', 3 * H, { complaintId: 'k1', outcome: 'resolved' }),
  ev('complaint.filed', 2 * MIN, { complaintId: 'k2', queueId: 'chat', channel: 'chat', category: 'service', severity: 'urgent' }),
  ev('complaint.responded', 2 * MIN + H + 1, { complaintId: 'k2' }),
  ev('complaint.filed', 3 * MIN, { complaintId: 'k3', callId: 'v0', channel: 'voice', category: 'service', severity: 'normal' }),
  ev('agent.state_changed', 0, { agentId: 'a1', state: 'available', queueIds: ['voice', 'chat'] }),
];

const SETTINGS = {
  defaults: { slThresholdMs: 20_000, shortAbandonMs: 5000 },
  tenants: {
    t1: { timeZone: 'Asia/Shanghai', subscribers: 4000, repeatWindowHours: 2, complaintResponseMs: { urgent: H, normal: 2 * H }, queues: { chat: { firstResponseTargetMs: 60_000 } } },
  },
};

type Row = Record<string, unknown> & { queueId: string | null; counts: Record<string, number> };

describe('callboard query equals callboard kpi on wave 2 events (real Redis)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-query-kpi-'));
  const input = join(dir, 'wave2.jsonl');
  const queuesFile = join(dir, 'queues.json');
  const namespace = `t-qk-${randomBytes(4).toString('hex')}`;
  let redis: Redis;

  beforeAll(async () => {
    writeFileSync(input, `${INPUTS.map((e) => JSON.stringify(e)).join('\n')}\n`);
    writeFileSync(queuesFile, JSON.stringify(SETTINGS));
    const config = QueueConfig.parse(SETTINGS);
    redis = createRedis(infra.redis, testLogger);
    await redis.connect();
    // The file is grouped by kind, not by time: a grace of a day keeps the 3 h spread of one topic in time.
    const store = new WindowStore(redis, { namespace, graceMs: 24 * H });
    const events = INPUTS.map((e) => parseEvent(e as CanonicalEventInput));
    // As the aggregator routes them: call, agent and feedback events on their own topics.
    const topics: [string, CanonicalEvent[]][] = [
      ['calls', events.filter((e) => !isAgentEvent(e) && !isFeedbackEvent(e))],
      ['agents', events.filter(isAgentEvent)],
      ['feedback', events.filter(isFeedbackEvent)],
    ];
    for (const [topic, batch] of topics) {
      const res = await store.applyBatch({
        group: 'g',
        topic,
        partition: 0,
        events: batch.map((event, i) => ({ offset: String(i), event })),
        settingsFor: (tenantId, queueId) => config.resolve(tenantId, queueId),
        tenantSettingsFor: (tenantId) => config.tenantSettings(tenantId),
        monthOf: (tenantId, ms) => monthOf(config.clock(tenantId), ms),
        nowMs: Date.now(),
      });
      // Nothing held back as late: the oracle counts every event of the file.
      expect(res.late, topic).toBe(0);
    }
  });
  afterAll(async () => {
    await redis?.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same counters and ratios for every queue and the tenant total over [T, T + 4 h)', async () => {
    const range = ['--from', iso(0), '--to', iso(4 * H)];
    const [oracle, live] = await Promise.all([
      callboard(['kpi', '--input', input, '--queues', queuesFile, ...range, '--json']),
      callboard(['query', '--tenant', 't1', '--queues', queuesFile, ...range, '--json'], { CB_REDIS_NAMESPACE: namespace }),
    ]);
    expect(oracle.code, oracle.stderr).toBe(0);
    expect(live.code, live.stderr).toBe(0);
    const kpi = JSON.parse(oracle.stdout) as { queues: Row[]; tenants: Row[] };
    const query = JSON.parse(live.stdout) as { queues: Row[]; tenants: Row[] };
    expect(query.queues.map((q) => q.queueId)).toEqual(kpi.queues.map((q) => q.queueId));
    expect(query.tenants.map((t) => [t.tenantId, t.queueId])).toEqual([['t1', null]]);
    const pairs: [string, Row, Row][] = [...kpi.queues.map((k, i): [string, Row, Row] => [k.queueId!, k, query.queues[i]!]), ['tenant total', kpi.tenants[0]!, query.tenants[0]!]];
    for (const [name, k, q] of pairs) {
      for (const field of COUNT_FIELDS) expect(q.counts[field], `${name} counts.${field}`).toBe(k.counts[field]);
      for (const field of RATIO_FIELDS) expect(q[field], `${name} ${field}`).toEqual(k[field]);
    }
    // The file has each kind of traffic, so the comparison is not of zeros only.
    const total = query.tenants[0]!.counts;
    for (const field of ['outboundAttempts', 'firstResponses', 'surveys', 'complaintsFiled', 'complaintsRespondedOnTime', 'fcrRepeated', 'fcrContacts', 'abandoned']) expect(total[field], field).toBeGreaterThan(0);
  });
});
