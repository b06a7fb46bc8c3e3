import { randomBytes } from 'node:crypto';
import { parseEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import { complaintLiveState, computeOracle, DEFAULT_QUEUE_KPI_SETTINGS, DEFAULT_TENANT_KPI_SETTINGS, type KpiCounts, type QueueKpiSettings, type TenantKpiSettings } from '@callboard/kpi';
import { createPrng, randomInt, shuffled } from '../../kpi/test/helpers/prng.js';
import { type ComplaintLiveState, WindowStore } from '../src/index.js';

/*
 * A randomized wave 2 scenario (decision 0010): inbound calls with repeat callers and chats with a
 * first response, outbound attempts whose offer may be delivered last, surveys, complaints with and
 * without a queue, each event possibly delivered twice, shuffled, in random batches over two call
 * partitions and a feedback partition. What the live store then holds, and what the oracle says.
 */

export const W2_T0 = Date.parse('2026-05-10T10:00:00Z');
export const W2_NOW = W2_T0 + 3 * 3600_000;
const QUEUES = ['q1', 'q2', 'camp'] as const;
const TENANT: Partial<TenantKpiSettings> = { repeatWindowHours: 1 };
const iso = (ms: number) => new Date(ms).toISOString();

export interface Wave2Options {
  /** The first call's earliest time; default W2_T0. */
  t0?: number;
  /** Times as a multiple of the default amounts (calls 40, surveys 12, complaints 10). */
  scale?: number;
  /** Every event within 60 min of t0 (an e2e whose now is soon after): no closing 4 h later. */
  compact?: boolean;
}

/** The distinct events of one seed. */
export function wave2Events(seed: number, options: Wave2Options = {}): CanonicalEvent[] {
  const T0 = options.t0 ?? W2_T0;
  const scale = options.scale ?? 1;
  const random = createPrng(seed);
  const events: CanonicalEvent[] = [];
  let n = 0;
  const add = (input: Record<string, unknown>) => {
    n += 1;
    events.push(parseEvent({ eventId: `s${seed}-${n}`, tenantId: 'acme', ...input } as CanonicalEventInput));
  };
  const at = () => T0 + randomInt(random, 0, 100) * 30_000;
  for (let i = 0; i < 40 * scale; i += 1) {
    const callId = `c${i}`;
    const outbound = random() < 0.3;
    const queueId = outbound ? 'camp' : QUEUES[randomInt(random, 0, 1)];
    const t = at();
    const channel = !outbound && random() < 0.3 ? 'chat' : 'voice';
    const callerKey = !outbound && random() < 0.7 ? `k${randomInt(random, 0, 4)}` : undefined;
    add({ type: 'call.offered', callId, queueId, occurredAt: iso(t), channel, direction: outbound ? 'outbound' : 'inbound', ...(callerKey ? { callerKey } : {}) });
    const wait = randomInt(random, 1, 60) * 1000;
    const r = random();
    if (r < 0.6) {
      add({ type: 'call.answered', callId, queueId, occurredAt: iso(t + wait), agentId: 'a1', waitMs: wait, ...(channel === 'chat' ? { firstResponseMs: randomInt(random, 5, 60) * 1000 } : {}) });
      add({ type: 'call.completed', callId, queueId, occurredAt: iso(t + wait + 90_000), agentId: 'a1', talkMs: 80_000, holdMs: 0, wrapMs: 10_000, transferred: false, ...(outbound ? { success: random() < 0.5 } : { resolved: random() < 0.5 }) });
    } else if (r < 0.8) {
      add({ type: 'call.flowed_out', callId, queueId, occurredAt: iso(t + wait), waitMs: wait, reason: outbound ? ['no_answer', 'busy', 'invalid_number', 'rejected', 'other'][randomInt(random, 0, 4)] : 'overflow' });
    } else if (r < 0.9) add({ type: 'call.abandoned', callId, queueId, occurredAt: iso(t + wait), waitMs: wait });
    // else: still waiting (inbound) or ringing
    if (random() < 0.1) add({ type: 'call.answered', callId, queueId, occurredAt: iso(t + wait + 1000), agentId: 'a2', waitMs: wait + 1000 }); // a conflicting report
  }
  for (let i = 0; i < 12 * scale; i += 1) {
    const t = at();
    const fields = { type: 'survey.completed', surveyId: `sv${i % (9 * scale)}`, queueId: QUEUES[i % 3], occurredAt: iso(t), csat: randomInt(random, 1, 5), nps: randomInt(random, 0, 10), resolved: random() < 0.5 };
    add(fields);
  }
  for (let i = 0; i < 10 * scale; i += 1) {
    const complaintId = `cp${i}`;
    const t = at();
    const queueId = random() < 0.3 ? undefined : QUEUES[randomInt(random, 0, 2)];
    add({ type: 'complaint.filed', complaintId, occurredAt: iso(t), channel: 'voice', category: 'billing', severity: random() < 0.5 ? 'urgent' : 'normal', ...(queueId ? { queueId } : {}), ...(random() < 0.3 ? { responseDueAt: iso(t + 600_000) } : {}) });
    if (random() < 0.3) add({ type: 'complaint.filed', complaintId, occurredAt: iso(t + 60_000), channel: 'chat', category: 'other', severity: 'normal', queueId: 'q2' }); // a second filing: a duplicate
    if (random() < 0.7) add({ type: 'complaint.responded', complaintId, occurredAt: iso(t + randomInt(random, 1, options.compact ? 9 : 200) * 60_000) });
    if (random() < 0.4) add({ type: 'complaint.resolved', complaintId, occurredAt: iso(t + (options.compact ? 600_000 : 4 * 3600_000)), outcome: ['resolved', 'rejected', 'withdrawn'][randomInt(random, 0, 2)] });
  }
  // A response with no filing at all: counts nowhere.
  add({ type: 'complaint.responded', complaintId: `orphan-${seed}`, occurredAt: iso(T0 + 60_000) });
  return events;
}

/** Applies the events to a fresh store, each maybe twice, shuffled, in random batches per partition. */
export async function applyWave2(redis: ConstructorParameters<typeof WindowStore>[0], events: readonly CanonicalEvent[], seed: number): Promise<WindowStore> {
  const random = createPrng(seed * 7 + 1);
  const store = new WindowStore(redis, { namespace: `t-w2o-${randomBytes(4).toString('hex')}`, graceMs: 24 * 3600_000 });
  const deliveries = shuffled(events.flatMap((e) => (random() < 0.2 ? [e, e] : [e])), random);
  const partitions = new Map<string, CanonicalEvent[]>();
  for (const e of deliveries) {
    const topic = e.type.startsWith('call.') ? `calls-${(e as { callId: string }).callId.length % 2}` : 'feedback';
    partitions.set(topic, [...(partitions.get(topic) ?? []), e]);
  }
  const offsets = new Map<string, number>();
  const pending = [...partitions.keys()];
  while (pending.length > 0) {
    const topic = pending[randomInt(random, 0, pending.length - 1)]!;
    const queue = partitions.get(topic)!;
    const size = Math.min(queue.length, randomInt(random, 1, 9));
    const from = offsets.get(topic) ?? 0;
    const batch = queue.splice(0, size).map((event, i) => ({ offset: String(from + i), event }));
    offsets.set(topic, from + size);
    await store.applyBatch({ group: 'g', topic, partition: 0, events: batch, settingsFor: () => DEFAULT_QUEUE_KPI_SETTINGS, tenantSettingsFor: () => ({ ...DEFAULT_TENANT_KPI_SETTINGS, ...TENANT }), nowMs: W2_NOW });
    if (queue.length === 0) pending.splice(pending.indexOf(topic), 1);
  }
  return store;
}

export interface Wave2Comparison {
  live: { queues: Record<string, KpiCounts>; tenantLevel: KpiCounts; complaints: Record<string, ComplaintLiveState> };
  oracle: { queues: Record<string, KpiCounts>; tenantLevel: Partial<KpiCounts>; complaints: Record<string, ComplaintLiveState> };
}

export interface CompareOptions {
  /** The scenario's t0; default W2_T0. */
  t0?: number;
  /** The read instant; default W2_NOW. */
  nowMs?: number;
  /** The tenant's settings the store applied with; default a 1 h repeat window. */
  tenantSettings?: Partial<TenantKpiSettings>;
  /** The queues' settings the store applied with; default the defaults. */
  settings?: (tenantId: string, queueId: string) => Partial<QueueKpiSettings>;
}

/** What the store reads and what the oracle computes, for every queue, the tenant level and the complaint state. */
export async function compareWave2(store: WindowStore, events: readonly CanonicalEvent[], options: CompareOptions = {}): Promise<Wave2Comparison> {
  const tenantSettings = () => options.tenantSettings ?? TENANT;
  const nowMs = options.nowMs ?? W2_NOW;
  const t0 = options.t0 ?? W2_T0;
  const oracle = computeOracle(events, { tenantSettings, ...(options.settings ? { settings: options.settings } : {}) });
  const from = t0 - 3600_000;
  const to = t0 + 6 * 3600_000;
  const out: Wave2Comparison = { live: { queues: {}, tenantLevel: {} as KpiCounts, complaints: {} }, oracle: { queues: {}, tenantLevel: {}, complaints: {} } };
  for (const q of oracle.queues) {
    out.oracle.queues[q.queueId] = q.counts;
    out.live.queues[q.queueId] = (await store.readRange('acme', q.queueId, from, to, nowMs)).counts;
  }
  // The tenant level: the tenant row minus its queues, for the complaint counters.
  const tenant = oracle.tenants.find((t) => t.tenantId === 'acme')!;
  const live = (await store.readTenantLevelRange('acme', from, to, nowMs)).counts;
  for (const field of ['complaintsFiled', 'complaintsResponded', 'complaintsRespondedOnTime', 'complaintsResolved', 'complaintsRejected', 'complaintsWithdrawn'] as const) {
    out.oracle.tenantLevel[field] = tenant.counts[field] - oracle.queues.reduce((sum, q) => sum + q.counts[field], 0);
    out.live.tenantLevel[field] = live[field];
  }
  for (const scope of [null, ...QUEUES]) {
    const name = scope ?? '*';
    out.oracle.complaints[name] = complaintLiveState(events, { nowMs, queueId: scope, tenantSettings });
    out.live.complaints[name] = await store.complaintState('acme', scope, nowMs);
  }
  return out;
}
