import { describe, expect, it } from 'vitest';
import { tenantKeys } from '../src/index.js';
import { ev, iso, NOW, T0, wave2Suite } from './wave2-suite.js';

/*
 * The tenant-tag scripts of issue 11 (decision 0010 §4, §5): apply-complaints.lua (judge, counters,
 * live sets, month counter) and apply-contacts.lua (repeat flags, fcr counters, pending, clock).
 */

const H = 3600_000;
const filed = (id: string, at: number, fields: Record<string, unknown> = {}, eventId?: string) =>
  ev({ type: 'complaint.filed', complaintId: id, occurredAt: iso(at), channel: 'voice', category: 'billing', severity: 'normal', queueId: undefined, ...fields }, eventId);
const responded = (id: string, at: number) => ev({ type: 'complaint.responded', complaintId: id, occurredAt: iso(at) });
const resolved = (id: string, at: number, outcome = 'resolved') => ev({ type: 'complaint.resolved', complaintId: id, occurredAt: iso(at), outcome });
const offered = (callId: string, at: number, callerKey: string, queueId = 'camp') => ev({ type: 'call.offered', callId, queueId, occurredAt: iso(at), channel: 'voice', direction: 'inbound', callerKey });
const answered = (callId: string, at: number, queueId = 'camp') => ev({ type: 'call.answered', callId, queueId, occurredAt: iso(at), agentId: 'a1', waitMs: 5_000 });

describe('tenant-tag scripts of issue 11 (real Redis)', () => {
  const suite = wave2Suite('w2t');
  const range = (queueId: string) => suite.store.readRange('acme', queueId, T0, T0 + H, NOW).then((r) => r.counts);

  it('judges complaints, counts them per queue and at tenant level, and keeps the live sets and the month', async () => {
    const r = await suite.apply(
      [
        filed('c1', T0 + 60_000, { queueId: 'camp' }),
        responded('c1', T0 + 120_000),
        responded('c1', T0 + 180_000),
        resolved('c1', T0 + 240_000, 'rejected'),
        filed('c2', T0 + 60_000, { severity: 'urgent', callId: 'x1' }),
        filed('c3', T0 + 90_000, { queueId: 'camp', responseDueAt: iso(T0 + 100_000) }),
        responded('c3', T0 + 200_000),
      ],
      'feedback',
    );
    expect(r).toMatchObject({ applied: 6, duplicates: 1, late: 0 });
    expect(await range('camp')).toMatchObject({ complaintsFiled: 2, complaintsResponded: 2, complaintsRespondedOnTime: 1, complaintsRejected: 1, complaintsResolved: 0, offered: 0 });
    expect((await suite.store.readTenantLevelRange('acme', T0, T0 + H, NOW)).counts).toMatchObject({ complaintsFiled: 1, complaintsResponded: 0 });
    // c2 is urgent: due 2 h after filing, so overdue at T0 + 3 h; c3 is open and responded.
    expect(await suite.store.complaintState('acme', 'camp', T0 + 3 * H)).toEqual({ complaintsOpen: 1, complaintsOverdue: 0, oldestOpenComplaintAgeMs: 3 * H - 90_000 });
    expect(await suite.store.complaintState('acme', null, T0 + 3 * H)).toEqual({ complaintsOpen: 2, complaintsOverdue: 1, oldestOpenComplaintAgeMs: 3 * H - 60_000 });
    expect(await suite.store.complaintState('acme', null, T0 + H)).toMatchObject({ complaintsOverdue: 0 });
    expect(await suite.store.complaintsFiledInMonth('acme', '2026-05')).toEqual({ byQueue: { camp: 2 }, tenantLevel: 1, total: 3 });
    const due = await suite.store.dueComplaints('acme', T0 + 3 * H);
    expect(due).toEqual([{ complaintId: 'c2', tenantId: 'acme', queueId: null, severity: 'urgent', category: 'billing', channel: 'voice', filedAt: T0 + 60_000, dueAt: T0 + 60_000 + 2 * H, respondedAt: null, closedAt: null }]);
    expect(await suite.store.activeTenants(NOW - H)).toEqual(['acme']);
  });

  it('keeps a response that comes before its filing, and re-judges when an earlier filing of another queue arrives', async () => {
    await suite.apply([responded('c9', T0 + 300_000), resolved('c9', T0 + 400_000)], 'feedback');
    expect(await range('camp')).toMatchObject({ complaintsResponded: 0, complaintsResolved: 0 });
    expect(await suite.store.complaintState('acme', null, NOW)).toMatchObject({ complaintsOpen: 0 });
    await suite.apply([filed('c9', T0 + 200_000, { queueId: 'camp' }, 'f-late')], 'feedback');
    expect(await range('camp')).toMatchObject({ complaintsFiled: 1, complaintsResponded: 1, complaintsRespondedOnTime: 1, complaintsResolved: 1 });
    // An earlier filing in another queue: everything moves there (its keys were not declared: -2).
    const r = await suite.apply([filed('c9', T0 + 100_000, { queueId: 'sales' }, 'f-early')], 'feedback');
    expect(r).toMatchObject({ applied: 1, revised: 1 });
    expect(await range('camp')).toMatchObject({ complaintsFiled: 0, complaintsResponded: 0, complaintsResolved: 0 });
    expect(await range('sales')).toMatchObject({ complaintsFiled: 1, complaintsResponded: 1, complaintsResolved: 1 });
    expect(await suite.store.complaintsFiledInMonth('acme', '2026-05')).toEqual({ byQueue: { camp: 0, sales: 1 }, tenantLevel: 0, total: 1 });
    // Redelivered offsets change nothing.
    expect(await suite.store.complaintState('acme', 'sales', NOW)).toMatchObject({ complaintsOpen: 0 });
  });

  it('counts repeat contacts across queues, pending ones by the clock, and a drain repeated changes nothing', async () => {
    await suite.apply([offered('a', T0 + 1_000, 'k1'), answered('a', T0 + 6_000), offered('b', T0 + 600_000, 'k1', 'sales'), offered('z', T0 + 2_000, 'k2'), answered('z', T0 + 7_000)], 'calls', { repeatWindowHours: 1 });
    expect(await range('camp')).toMatchObject({ fcrContacts: 2, fcrRepeated: 1, fcrPending: 1 });
    expect(await range('sales')).toMatchObject({ fcrContacts: 0, fcrPending: 0 });
    const outbox = suite.store.keys('acme', 'camp').contactsOutbox;
    expect(await suite.redis.llen(outbox)).toBe(0);
    // The same facts again (a drain repeated after a crash): nothing changes.
    await suite.redis.rpush(outbox, JSON.stringify({ c: 'a', t: T0 + 1_000, k: 'k1', h: 1 }), JSON.stringify({ c: 'z', t: T0 + 2_000, k: 'k2', h: 1 }));
    // The clock passes z's window: z is final, not pending.
    await suite.apply([offered('late-c', T0 + 2_000 + H + 1, 'k3'), answered('late-c', T0 + H + 10_000)], 'calls', { repeatWindowHours: 1 });
    const camp = await suite.store.readRange('acme', 'camp', T0, T0 + 2 * H, NOW + H).then((r) => r.counts);
    expect(camp).toMatchObject({ fcrContacts: 3, fcrRepeated: 1, fcrPending: 1 });
    expect(await suite.redis.llen(outbox)).toBe(0);
  });

  it('drops a callerKey\'s contacts whose window closed before anything still applied, keeping their counts', async () => {
    const H7 = T0 + 7 * H;
    await suite.apply([offered('old', T0 + 1_000, 'k1'), answered('old', T0 + 6_000)], 'calls', { repeatWindowHours: 1 });
    // 7 h later (window 1 h + visit TTL 5 h before the clock): the old contact is final and leaves the hash.
    await suite.apply([offered('new', H7, 'k1'), answered('new', H7 + 5_000)], 'calls', { repeatWindowHours: 1 });
    expect(Object.keys(await suite.redis.hgetall(tenantKeys(suite.store.namespace, 'acme').callerKey('k1')))).toEqual(['camp\u0000new']);
    const counts = (await suite.store.readRange('acme', 'camp', T0, T0 + 8 * H, H7 + H)).counts;
    expect(counts).toMatchObject({ fcrContacts: 2, fcrRepeated: 0, fcrPending: 1 });
  });
});
