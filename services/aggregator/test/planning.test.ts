import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import { DEFAULT_QUEUE_KPI_SETTINGS } from '@callboard/kpi';
import { QueueConfig } from '@callboard/queue-config';
import { createRedis, type Redis } from '@callboard/runtime';
import { type QueueLoadCache, readQueueView, WindowStore } from '@callboard/windows';
import { infra, testLogger } from '../../../test/helpers/infra.js';

const T0 = Date.parse('2026-05-10T10:00:00Z');
const NOW = T0 + 15 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The snapshot's planning block through the real store (issue 8 item 13): a multi-queue agent counts
 * as its share of each queue, and the view gives a new caller's expected wait beside the Erlang C ASA.
 */
describe('snapshot planning with multi-queue agents (real Redis)', () => {
  let redis: Redis;
  let store: WindowStore;
  let seq = 0;
  let offset = 0;
  const ev = (input: Record<string, unknown>): CanonicalEvent => parseEvent({ eventId: `p${++seq}`, tenantId: 'acme', ...input } as CanonicalEventInput);

  /** `count` calls to `queueId` in the last 15 minutes, each handled in `handleMs`, and `waiting` more still queued. */
  function calls(queueId: string, count: number, handleMs: number | null, waiting = 0): CanonicalEvent[] {
    const out: CanonicalEvent[] = [];
    for (let i = 0; i < count + waiting; i += 1) {
      const callId = `${queueId}-${i}`;
      const at = T0 + 60_000 + i * 20_000;
      out.push(ev({ type: 'call.offered', callId, queueId, occurredAt: iso(at), channel: 'voice', direction: 'inbound' }));
      if (i >= count || handleMs === null) continue;
      out.push(ev({ type: 'call.answered', callId, queueId, agentId: 'x', occurredAt: iso(at + 5_000), waitMs: 5_000 }));
      out.push(ev({ type: 'call.completed', callId, queueId, agentId: 'x', occurredAt: iso(at + 5_000 + handleMs), talkMs: handleMs - 10_000, holdMs: 0, wrapMs: 10_000, transferred: false }));
    }
    return out;
  }
  const agent = (agentId: string, state: string, queueIds: string[]) => ev({ type: 'agent.state_changed', agentId, state, queueIds, occurredAt: iso(T0 + 1_000) });

  beforeAll(async () => {
    redis = createRedis(infra.redisUrl, testLogger);
    await redis.connect();
    store = new WindowStore(redis, { namespace: `t-plan-${randomBytes(4).toString('hex')}` });
    // billing: 16 answered in 200 s plus 2 waiting, 18 offered in 15 min -> 18 · 200 / 900 = 4 erlangs.
    // sales: 9 offered, handled in 100 s -> 1 erlang. chat: 3 offered, none completed -> load unknown.
    const events = [
      ...calls('billing', 16, 200_000, 2),
      ...calls('sales', 9, 100_000),
      ...calls('chat', 3, null),
      agent('a1', 'available', ['billing']),
      agent('a2', 'on_call', ['billing', 'sales']),
      agent('a3', 'wrap_up', ['billing', 'sales', 'chat']),
      agent('a4', 'available', ['sales']),
      agent('a5', 'away', ['billing', 'sales']),
    ];
    await store.applyBatch({
      group: 'g',
      topic: 'events',
      partition: 0,
      events: events.map((event) => ({ offset: String(offset++), event })),
      settingsFor: () => DEFAULT_QUEUE_KPI_SETTINGS,
      nowMs: NOW,
    });
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('splits each staffed agent between its queues by their offered erlangs, 1/k when a load is unknown', async () => {
    const queues = QueueConfig.defaults();
    const loads: QueueLoadCache = new Map();
    const billing = await readQueueView(store, queues.resolve('acme', 'billing'), NOW, { nowMs: NOW, loads });
    const sales = await readQueueView(store, queues.resolve('acme', 'sales'), NOW, { nowMs: NOW, loads });
    // a1 alone: 1; a2 billing+sales: 4 / (4 + 1); a3 with chat, whose load is unknown: 1/3.
    expect(billing.planning.agentsStaffed).toBe(3);
    expect(billing.planning.agentsStaffedEffective).toBeCloseTo(1 + 0.8 + 1 / 3, 9);
    // a2: 1 / (4 + 1); a3: 1/3; a4 alone: 1.
    expect(sales.planning.agentsStaffed).toBe(3);
    expect(sales.planning.agentsStaffedEffective).toBeCloseTo(0.2 + 1 / 3 + 1, 9);
    expect(billing.planning.erlangs).toBeCloseTo(4, 9);
    // Read once for the two views: billing, sales and chat.
    expect([...loads.keys()].sort()).toEqual(['acme/billing', 'acme/chat', 'acme/sales']);
  });

  it('gives a new caller the wait for the completions ahead of it, beside the Erlang C ASA', async () => {
    const view = await readQueueView(store, QueueConfig.defaults().resolve('acme', 'billing'), NOW, { nowMs: NOW });
    expect(view.live).toMatchObject({ callsWaiting: 2, agentsAvailable: 1 });
    // 2 waiting, 1 agent free: 1 call ahead unserved, so 2 completions at 2.1333 agents per 200 s.
    expect(view.planning.expectedWaitNewCallerSeconds).toBeCloseTo((2 * 200) / (1 + 0.8 + 1 / 3), 6);
    // 2.13 agents for 4 erlangs cannot keep up: the textbook ASA is unbounded.
    expect(view.planning.erlangAsaSeconds).toBeNull();
    expect(view.planning.projectedWaitSeconds).toBe(view.planning.erlangAsaSeconds);
  });
});
