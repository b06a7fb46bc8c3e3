import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import { computeOracle, DEFAULT_QUEUE_KPI_SETTINGS, splitLate } from '@callboard/kpi';
import { createRedis, type RedisClient } from '@callboard/runtime';
import { callDeclared } from '../../../test/helpers/declared-keys.js';
import { infra, testLogger } from '../../../test/helpers/infra.js';
import { noteSourceTimes, WindowStore } from '../src/index.js';

const COMMANDS = new URL('../src/commands/', import.meta.url);
const T0 = Date.parse('2026-05-10T10:00:00Z');
const NOW = T0 + 3 * 3600_000;
const GRACE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const settingsFor = () => DEFAULT_QUEUE_KPI_SETTINGS;
let seq = 0;
function ev(input: Record<string, unknown>): CanonicalEvent {
  seq += 1;
  return parseEvent({ eventId: `d${seq}`, tenantId: 'acme', ...input } as CanonicalEventInput);
}
const offered = (callId: string, queueId: string, at: number) => ev({ type: 'call.offered', callId, queueId, occurredAt: iso(at), channel: 'voice', direction: 'inbound' });
const answered = (callId: string, queueId: string, at: number, waitMs: number) => ev({ type: 'call.answered', callId, queueId, occurredAt: iso(at), agentId: 'a1', waitMs });
const abandoned = (callId: string, queueId: string, at: number, waitMs: number) => ev({ type: 'call.abandoned', callId, queueId, occurredAt: iso(at), waitMs });
const agent = (agentId: string, state: string, at: number) => ev({ type: 'agent.state_changed', agentId, state, queueIds: ['q1'], occurredAt: iso(at) });

/** The store's script commands and their files; every other command goes to the real client. */
const SCRIPTS: Record<string, { file: string; numKeys?: number }> = {
  cbApplyQueue: { file: 'apply-queue.lua' },
  cbApplyAgents: { file: 'apply-agents-3.lua', numKeys: 3 },
  cbTouchPartition: { file: 'touch-partition-1.lua', numKeys: 1 },
  cbReadBuckets: { file: 'read-buckets.lua' },
  cbAcquireLease: { file: 'acquire-lease-1.lua', numKeys: 1 },
  cbNoteSources: { file: 'note-sources-1.lua', numKeys: 1 },
  cbApplyComplaints: { file: 'apply-complaints.lua' },
  cbApplyContacts: { file: 'apply-contacts.lua' },
  cbReadFcrPending: { file: 'read-fcr-pending-2.lua', numKeys: 2 },
};

/**
 * Every script call of the store runs as a Redis user allowed only that call's KEYS (issue 9, DESIGN
 * §5): a script touching an undeclared key fails with NOPERM, and on a Cluster (CB_REDIS_MODE=cluster)
 * KEYS of two slots fail with CROSSSLOT. The scenario covers late events, agent events, producer
 * duplicates and a re-judged visit whose earlier event's buckets the first call did not declare.
 */
describe('windows scripts touch only their declared keys (issue 9 item 1)', () => {
  let redis: RedisClient;
  const called = new Set<string>();

  beforeAll(() => {
    redis = createRedis(infra.redis, testLogger);
  });
  afterAll(async () => {
    await redis.quit();
  });

  function declaredOnly(client: RedisClient): RedisClient {
    return new Proxy(client, {
      get(target, prop, receiver) {
        const script = typeof prop === 'string' ? SCRIPTS[prop] : undefined;
        if (script) {
          return (...args: (string | number)[]) => {
            called.add(script.file);
            const n = script.numKeys ?? Number(args.shift());
            return callDeclared(COMMANDS, script.file, args.slice(0, n).map(String), args.slice(n));
          };
        }
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }

  it('applies, reads and leases with each call limited to its KEYS, and still equals the oracle', async () => {
    const store = new WindowStore(declaredOnly(redis), { namespace: `t-keys-${randomBytes(4).toString('hex')}`, graceMs: GRACE });
    const ref = { group: 'g', topic: 'calls', partition: 0 };
    const o1 = offered('k1', 'q1', T0);
    const a1Later = answered('k1', 'q1', T0 + 190_000, 190_000);
    const deliveries = [
      o1,
      offered('k2', 'q2', T0 + 5_000),
      agent('x1', 'available', T0 + 6_000),
      abandoned('k2', 'q2', T0 + 12_000, 7_000),
      a1Later,
      offered('k3', 'q1', T0 + 200_000),
      offered('k4', 'q1', T0 + 30_000), // late: watermark T0 + 200 s, grace 60 s
      agent('x2', 'away', T0 + 10_000), // late too
      o1, // a producer duplicate
      answered('k1', 'q1', T0 + 150_000, 150_000), // wins over the T0 + 190 s answer: takes back its counters in a minute this batch does not know
      answered('k1', 'q1', T0 + 20_000, 20_000), // late, and k1 does not hold it
    ];
    let offset = 0;
    for (const size of [5, 3, 2, 1]) {
      const batch = deliveries.slice(offset, offset + size).map((event, i) => ({ offset: String(offset + i), event }));
      await store.applyBatch({ ...ref, events: batch, settingsFor, nowMs: NOW });
      offset += size;
    }
    const { onTime, late } = splitLate([deliveries], { graceMs: GRACE });
    expect(late).toHaveLength(3);
    const oracle = computeOracle(onTime, { late });
    for (const queueId of ['q1', 'q2']) {
      const read = await store.readRange('acme', queueId, T0, T0 + 3600_000, NOW);
      expect(read.counts, queueId).toEqual(oracle.queues.find((q) => q.queueId === queueId)!.counts);
    }
    expect(await store.acquireLease('snapshots:g', 'me', 5_000)).toBe(true);
    expect(await noteSourceTimes(store, 'acme', new Map([['e|sim', T0], ['h|sim', NOW]]))).toBe(2);
    expect((await store.pendingLate(ref)).map((e) => e.member).sort()).toEqual(['a:acme', 'q:acme:q1', 'q:acme:q1']);
  });

  it('applies complaints, surveys and repeat contacts (issue 11) with each call limited to its KEYS', async () => {
    const store = new WindowStore(declaredOnly(redis), { namespace: `t-keys-${randomBytes(4).toString('hex')}`, graceMs: GRACE });
    const apply = (topic: string, events: ReturnType<typeof ev>[], from: number) =>
      store.applyBatch({ group: 'g', topic, partition: 0, events: events.map((event, i) => ({ offset: String(from + i), event })), settingsFor, nowMs: NOW });
    const complaint = (type: string, at: number, fields: Record<string, unknown> = {}) => ev({ type, complaintId: 'cp1', occurredAt: iso(at), ...fields });
    const filing = { channel: 'voice', category: 'billing', severity: 'normal' };
    const withKey = (callId: string, queueId: string, at: number, callerKey: string) => ev({ type: 'call.offered', callId, queueId, occurredAt: iso(at), channel: 'voice', direction: 'inbound', callerKey });
    await apply('feedback', [complaint('complaint.responded', T0 + 50_000), complaint('complaint.filed', T0 + 40_000, { ...filing, queueId: 'q1' }), ev({ type: 'survey.completed', surveyId: 's1', queueId: 'q1', occurredAt: iso(T0), csat: 4 })], 0);
    // An earlier filing in another queue, in another minute: keys the call could not know (-2).
    await apply('feedback', [complaint('complaint.filed', T0 - 5_000, { ...filing, queueId: 'q2' })], 3);
    await apply('calls', [withKey('r1', 'q1', T0, 'k'), answered('r1', 'q1', T0 + 5_000, 5_000)], 0);
    // A repeat in another queue and another minute flags r1's contact (its buckets, too, undeclared at first).
    await apply('calls', [withKey('r2', 'q2', T0 + 900_000, 'k')], 2);
    const q1 = (await store.readRange('acme', 'q1', T0 - 900_000, T0 + 1800_000, NOW)).counts;
    expect(q1).toMatchObject({ complaintsFiled: 0, surveys: 1, csatSatisfied: 1, fcrContacts: 1, fcrRepeated: 1, fcrPending: 0 });
    expect((await store.readRange('acme', 'q2', T0 - 900_000, T0 + 1800_000, NOW)).counts).toMatchObject({ complaintsFiled: 1, complaintsResponded: 1 });
    expect((await store.readTenantLevelRange('acme', T0 - 900_000, T0 + 1800_000, NOW)).counts.complaintsFiled).toBe(0);
  });

  it('has run every script in packages/windows/src/commands', () => {
    expect([...called].sort()).toEqual(readdirSync(COMMANDS).filter((f) => f.endsWith('.lua')).sort());
  });
});
