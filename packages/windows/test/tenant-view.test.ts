import { describe, expect, it } from 'vitest';
import { addCounts, computeRatios } from '@callboard/kpi';
import { QueueConfig } from '@callboard/queue-config';
import { readQueueView, readTenantView, readTenantWindow } from '../src/index.js';
import { ev, iso, NOW, T0, wave2Suite } from './wave2-suite.js';

/*
 * The tenant total of issue 11 (decision 0010 §6) against the real Redis: counters summed over the
 * tenant's queues plus its queue-less complaints, ratios from the sums, each agent once.
 */

const config = QueueConfig.parse({
  tenants: {
    acme: { timeZone: 'Asia/Shanghai', subscribers: 20_000, queues: { camp: {}, sales: { slThresholdMs: 10_000 } } },
    other: { timeZone: 'UTC', queues: {} },
  },
});

const call = (type: string, callId: string, queueId: string, at: number, fields: Record<string, unknown> = {}, tenantId = 'acme') => ev({ type, callId, queueId, tenantId, occurredAt: iso(at), ...fields });
const agent = (agentId: string, state: string, queueIds: string[], at: number) => ev({ type: 'agent.state_changed', agentId, state, queueIds, occurredAt: iso(at), queueId: undefined });
const filed = (complaintId: string, at: number, queueId?: string) => ev({ type: 'complaint.filed', complaintId, occurredAt: iso(at), channel: 'voice', category: 'billing', severity: 'normal', queueId });

describe('readTenantView (real Redis)', () => {
  const suite = wave2Suite('tenant-view');

  async function seed(): Promise<void> {
    await suite.apply([
      call('call.offered', 'c1', 'camp', T0 + 1_000, { channel: 'voice', direction: 'inbound' }),
      call('call.answered', 'c1', 'camp', T0 + 6_000, { agentId: 'a1', waitMs: 5_000 }),
      call('call.offered', 's1', 'sales', T0 + 2_000, { channel: 'voice', direction: 'inbound' }),
      call('call.abandoned', 's1', 'sales', T0 + 32_000, { waitMs: 30_000 }),
      call('call.offered', 's2', 'sales', T0 + 3_000, { channel: 'voice', direction: 'inbound' }),
      // Another tenant's call never enters acme's total.
      call('call.offered', 'x1', 'camp', T0 + 4_000, { channel: 'voice', direction: 'inbound' }, 'other'),
    ]);
    // a1 serves both queues: one agent in the total, not two.
    await suite.apply([agent('a1', 'available', ['camp', 'sales'], T0 + 10_000), agent('a2', 'on_call', ['sales'], T0 + 11_000)], 'agents');
    await suite.apply([filed('k1', T0 + 60_000, 'camp'), filed('k2', T0 + 70_000)], 'feedback');
  }

  it('sums the queues and the tenant level per window, computes ratios from the sums, counts each agent once', async () => {
    await seed();
    const view = await readTenantView(suite.store, config, 'acme', ['camp', 'sales'], NOW, { nowMs: NOW });
    expect(view.queueId).toBeNull();
    expect(view.planning).toBeNull();
    const today = view.windows.find((w) => w.name === 'today')!;
    const [camp, sales, level] = await Promise.all([
      suite.store.readRange('acme', 'camp', Date.parse(today.from), Date.parse(today.to), NOW),
      suite.store.readRange('acme', 'sales', Date.parse(today.from), Date.parse(today.to), NOW),
      suite.store.readTenantLevelRange('acme', Date.parse(today.from), Date.parse(today.to), NOW),
    ]);
    const sum = addCounts(addCounts(level.counts, camp.counts), sales.counts);
    expect(today.counts).toEqual(sum);
    expect(today.counts).toMatchObject({ offered: 3, answered: 1, abandoned: 1, maxWaitMs: 30_000, complaintsFiled: 2 });
    const { sl, ...ratios } = computeRatios(sum, { subscribers: 20_000 });
    expect(today).toMatchObject(ratios);
    expect(today.sl).toEqual(sl);
    expect(today.answerRate).toBe(0.5);
    expect(today.complaintsPer10k).toBe(20_000);
    expect(today.complaintsPer10kSubscribers).toBe(1);
    expect(view.live).toMatchObject({ callsWaiting: 1, agentsAvailable: 1, agentsOnCall: 1, complaintsOpen: 2, complaintsOverdue: 0, oldestOpenComplaintAgeMs: NOW - (T0 + 60_000) });
    expect(view.monthToDate).toEqual({ month: '2026-05', complaintsFiled: 2, complaintsPer10kSubscribers: 1 });
    // The tenant's defaults, not a queue's.
    expect(view.slThresholdMs).toBe(config.resolve('acme', 'any').slThresholdMs);
  });

  it('gives the same total from windows a tick already read as from fresh reads, and a range like a named window', async () => {
    await seed();
    const queueViews = new Map<string, Awaited<ReturnType<typeof readQueueView>>>();
    for (const queueId of ['camp', 'sales']) queueViews.set(queueId, await readQueueView(suite.store, config.resolve('acme', queueId), NOW, { nowMs: NOW, tenants: config }));
    const reused = await readTenantView(suite.store, config, 'acme', ['camp', 'sales'], NOW, { nowMs: NOW, queueViews });
    const fresh = await readTenantView(suite.store, config, 'acme', ['camp', 'sales'], NOW, { nowMs: NOW });
    expect(reused).toEqual(fresh);
    const range = await readTenantWindow(suite.store, config, 'acme', ['camp', 'sales'], { from: T0, to: NOW }, NOW, NOW);
    expect(range).toMatchObject({ name: 'range', counts: { offered: 3, complaintsFiled: 2 } });
  });

  it('gives a queue view its own complaints and month to date', async () => {
    await seed();
    const camp = await readQueueView(suite.store, config.resolve('acme', 'camp'), NOW, { nowMs: NOW, tenants: config });
    expect(camp.live).toMatchObject({ complaintsOpen: 1, complaintsOverdue: 0 });
    expect(camp.monthToDate).toEqual({ month: '2026-05', complaintsFiled: 1, complaintsPer10kSubscribers: 0.5 });
    const other = await readTenantView(suite.store, config, 'other', ['camp'], NOW, { nowMs: NOW });
    expect(other.windows.find((w) => w.name === 'today')!.counts).toMatchObject({ offered: 1, complaintsFiled: 0 });
    expect(other.monthToDate).toEqual({ month: '2026-05', complaintsFiled: 0, complaintsPer10kSubscribers: null });
    expect(other.live).toMatchObject({ agentsAvailable: 0, complaintsOpen: 0, oldestOpenComplaintAgeMs: null });
  });
});
