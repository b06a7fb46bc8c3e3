import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent, type CanonicalEventInput } from '@callboard/events';
import type { Redis } from '@callboard/runtime';
import type { TenantView } from '@callboard/windows';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { snapshot } from '../../../test/helpers/snapshots.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { issueToken } from '../src/index.js';
import { ORIGIN, open, publishSnapshots, SCRAPE_TOKEN, SECRET, startTestGateway, type TestClient, type TestGateway } from './support.js';

const MINE = 'total-co';
const THEIRS = 'rival-co';

/** A tenant total as the aggregator publishes it (queueId null, no planning), with complaint state. */
function total(tenantId: string, at: number, complaintsOpen: number): TenantView {
  const base = snapshot(tenantId, 'unused', at, { answered: 20, withinSl: 15, abandoned: 5 });
  return {
    ...base,
    queueId: null,
    planning: null,
    live: { ...base.live, complaintsOpen, complaintsOverdue: 1, oldestOpenComplaintAgeMs: 600_000 },
    monthToDate: { month: '2026-12', complaintsFiled: complaintsOpen, complaintsPer10kSubscribers: complaintsOpen / 2 },
  };
}

const token = (tenantId: string) => issueToken({ tenantId, role: 'wallboard', ttlSeconds: 600 }, SECRET);
const auth = async (tenantId: string) => ({ authorization: `Bearer ${await token(tenantId)}` });

describe('tenant totals through the gateway, with the real Kafka, registry and Redis (issue 11)', () => {
  let stack: TestStack;
  let redis: Redis;
  let gw: TestGateway;
  const clients: TestClient[] = [];
  const t0 = Date.now();

  beforeAll(async () => {
    stack = await createTestStack('gateway-totals');
    redis = stack.redis();
    await redis.connect();
    await publishSnapshots(stack, [snapshot(MINE, 'q1', t0, { answered: 10, withinSl: 9 }), total(MINE, t0, 3), snapshot(THEIRS, 'q9', t0, { answered: 4, withinSl: 4 }), total(THEIRS, t0, 7)]);
    gw = await startTestGateway(stack, redis);
    await waitFor('both tenants and their totals to load', () => (gw.gateway.hub.tenantViews(MINE).length === 2 && gw.gateway.hub.tenantViews(THEIRS).length === 2 ? true : undefined));
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await gw?.close();
    redis?.disconnect();
    await stack?.cleanup();
  });

  it('decodes the total (its queueId absent on the wire) as queueId null, after the queues', () => {
    const views = gw.gateway.hub.tenantViews(MINE);
    expect(views.map((v) => v.queueId)).toEqual(['q1', null]);
    expect(views[1]).toMatchObject({ tenantId: MINE, queueId: null, planning: null, live: { complaintsOpen: 3 }, monthToDate: { complaintsFiled: 3 } });
  });

  it('sends a tenant its own total in the snapshot and as kpi frames, never another tenant’s', async () => {
    const client = await open(gw.wsUrl, { token: await token(MINE), origin: ORIGIN });
    clients.push(client);
    client.send({ type: 'subscribe', queues: '*' });
    const first = await client.next('snapshot');
    const queues = first.queues as { tenantId: string; queueId: string | null }[];
    expect(queues.map((q) => q.queueId)).toEqual(['q1', null]);
    expect(queues.every((q) => q.tenantId === MINE)).toBe(true);

    // A client of one named queue gets the total too; one that left every queue does not.
    const named = await open(gw.wsUrl, { token: await token(MINE), origin: ORIGIN });
    clients.push(named);
    named.send({ type: 'subscribe', queues: ['q1'] });
    expect(((await named.next('snapshot')).queues as { queueId: string | null }[]).map((q) => q.queueId)).toEqual(['q1', null]);
    named.send({ type: 'unsubscribe', queues: ['q1'] });
    await named.next('unsubscribed');

    await publishSnapshots(stack, [total(THEIRS, t0 + 1_000, 8), total(MINE, t0 + 2_000, 4)]);
    const frame = await client.next('kpi', (f) => f.queueId === null);
    expect(frame).toMatchObject({ tenantId: MINE, queueId: null, view: { queueId: null, live: { complaintsOpen: 4 } } });
    await waitFor('the rival total applied', () => ((gw.gateway.hub.tenantViews(THEIRS)[1]?.live.complaintsOpen ?? 0) === 8 ? true : undefined));
    expect(JSON.stringify(client.frames)).not.toContain(THEIRS);
    expect(named.frames.filter((f) => f.type === 'kpi')).toEqual([]);
  });

  it('exports the total as queue="*" with the wave 2 metrics, and a tenant-scoped scrape never shows another tenant’s total', async () => {
    await waitFor('the newer totals', () => (gw.gateway.hub.tenantViews(MINE)[1]?.live.complaintsOpen === 4 ? true : undefined));
    const own = await (await fetch(`${gw.url}/metrics`, { headers: await auth(MINE) })).text();
    expect(own).toMatch(/callboard_kpi\{tenant="total-co",queue="\*",window="live",metric="complaintsOpen"\} 4/);
    expect(own).toMatch(/callboard_kpi\{tenant="total-co",queue="\*",window="live",metric="complaintsOverdue"\} 1/);
    expect(own).toMatch(/callboard_kpi\{tenant="total-co",queue="\*",window="month",metric="complaintsPer10kSubscribers"\} 2/);
    expect(own).toMatch(/callboard_kpi\{tenant="total-co",queue="\*",window="rolling-15m",metric="answerRate"\} 0.8/);
    expect(own).toMatch(/callboard_kpi_snapshot_timestamp_seconds\{tenant="total-co",queue="\*"\}/);
    expect(own).not.toContain(THEIRS);
    const all = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${SCRAPE_TOKEN}` } })).text();
    expect(all).toMatch(/callboard_kpi\{tenant="rival-co",queue="\*",window="live",metric="complaintsOpen"\} 8/);
  });

  it('returns the total over REST: in the snapshot, and for a window from the store', async () => {
    const snap = (await (await fetch(`${gw.url}/api/v1/tenants/${MINE}/snapshot`, { headers: await auth(MINE) })).json()) as { queues: { queueId: string | null }[] };
    expect(snap.queues.map((q) => q.queueId)).toEqual(['q1', null]);

    const at = Date.now();
    const event = (input: Record<string, unknown>, offset: number) => ({ offset: String(offset), event: parseEvent({ tenantId: MINE, occurredAt: new Date(at - 60_000 + offset * 1000).toISOString(), ...input } as CanonicalEventInput) });
    await gw.store.applyBatch({
      group: 'g',
      topic: 'calls',
      partition: 0,
      events: [
        event({ eventId: 'e1', type: 'call.offered', callId: 'c1', queueId: 'qa', channel: 'voice', direction: 'inbound' }, 0),
        event({ eventId: 'e2', type: 'call.answered', callId: 'c1', queueId: 'qa', agentId: 'a1', waitMs: 4_000 }, 1),
        event({ eventId: 'e3', type: 'call.offered', callId: 'c2', queueId: 'qb', channel: 'voice', direction: 'inbound' }, 2),
        event({ eventId: 'e4', type: 'call.abandoned', callId: 'c2', queueId: 'qb', waitMs: 9_000 }, 3),
      ],
      settingsFor: (tenantId, queueId) => gw.queues.resolve(tenantId, queueId),
      nowMs: at,
    });
    const res = await fetch(`${gw.url}/api/v1/tenants/${MINE}/kpis?window=rolling-15m`, { headers: await auth(MINE) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { tenants: Record<string, unknown>[] };
    expect(body.tenants).toHaveLength(1);
    expect(body.tenants[0]).toMatchObject({ tenantId: MINE, queueId: null, window: 'rolling-15m', counts: { offered: 2, answered: 1, abandoned: 1, maxWaitMs: 9_000 }, answerRate: 0.5, planning: null, live: { complaintsOpen: 0 }, monthToDate: { complaintsFiled: 0 } });
    const forbidden = await fetch(`${gw.url}/api/v1/tenants/${MINE}/kpis?window=today`, { headers: await auth(THEIRS) });
    expect(forbidden.status).toBe(403);
    const bad = await fetch(`${gw.url}/api/v1/tenants/${MINE}/kpis`, { headers: await auth(MINE) });
    expect(bad.status).toBe(400);
  });
});
