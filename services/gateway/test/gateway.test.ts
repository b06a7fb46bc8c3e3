import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertState } from '@callboard/alerts';
import { parseEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import type { Redis } from '@callboard/runtime';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { snapshot } from '../../../test/helpers/snapshots.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { issueToken, type Role } from '../src/index.js';
import { connect, type Frame, open, ORIGIN, publishAlert, publishSnapshots, SECRET, startTestGateway, type TestClient, type TestGateway } from './support.js';

const token = (tenantId: string, role: Role = 'wallboard', sub?: string) => issueToken({ tenantId, role, ttlSeconds: 600, ...(sub ? { sub } : {}) }, SECRET);

describe('gateway with the real Kafka, registry and Redis', () => {
  let stack: TestStack;
  let redis: Redis;
  let gw: TestGateway;
  const clients: TestClient[] = [];
  const t0 = Date.now();

  async function client(tenantId: string, role: Role = 'wallboard'): Promise<TestClient> {
    const c = await open(gw.wsUrl, { token: await token(tenantId, role), origin: ORIGIN });
    clients.push(c);
    await c.next('hello');
    return c;
  }

  beforeAll(async () => {
    stack = await createTestStack('gateway');
    redis = stack.redis();
    await redis.connect();
    // Snapshots published before the gateway starts come from the compacted topic.
    await publishSnapshots(stack, [snapshot('tenant-a', 'sales', t0, { answered: 10, withinSl: 9 }), snapshot('tenant-b', 'sales', t0, { answered: 99, withinSl: 1 }), snapshot('tenant-b', 'secret-q', t0, { answered: 7, withinSl: 7 })]);
    gw = await startTestGateway(stack, redis);
    await waitFor('the snapshots to load', () => (gw.gateway.hub.tenantViews('tenant-b').length === 2 ? true : undefined));
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await gw?.close();
    await stack?.cleanup();
  });

  it('refuses missing, expired, forged, alg:none and wrong-algorithm tokens and bad origins before the upgrade', async () => {
    const now = Math.floor(Date.now() / 1000);
    const key = new TextEncoder().encode(SECRET);
    const expired = await new SignJWT({ tenantId: 'tenant-a', role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now - 5).sign(key);
    const forged = await issueToken({ tenantId: 'tenant-a', role: 'admin', ttlSeconds: 60 }, 'x'.repeat(40));
    const none = new UnsecuredJWT({ tenantId: 'tenant-a', role: 'admin' }).setExpirationTime(now + 60).encode();
    const hs384 = await new SignJWT({ tenantId: 'tenant-a', role: 'admin' }).setProtectedHeader({ alg: 'HS384' }).setExpirationTime(now + 60).sign(key);
    const cases: [string | undefined, string][] = [
      [undefined, 'token_missing'],
      [expired, 'token_expired'],
      [forged, 'token_invalid'],
      [none, 'token_invalid'],
      [hs384, 'token_invalid'],
    ];
    for (const [t, code] of cases) {
      const r = await connect(gw.wsUrl, { ...(t ? { token: t } : {}), origin: ORIGIN });
      expect(r.ok, code).toBe(false);
      if (!r.ok) {
        expect(r.status).toBe(401);
        expect(JSON.parse(r.body)).toMatchObject({ error: { code } });
      }
    }
    const badOrigin = await connect(gw.wsUrl, { token: await token('tenant-a'), origin: 'http://evil.test' });
    expect(badOrigin.ok).toBe(false);
    if (!badOrigin.ok) expect(badOrigin.status).toBe(403);
    const badTicket = await connect(`${gw.wsUrl}?ticket=${'A'.repeat(32)}`, { origin: ORIGIN });
    expect(badTicket.ok ? 0 : badTicket.status).toBe(401);
  });

  it('accepts a token as bearer subprotocol and a one-time ticket', async () => {
    const t = await token('tenant-a');
    const viaProtocol = await open(gw.wsUrl, { protocols: ['callboard.v1', `bearer.${t}`], origin: ORIGIN });
    clients.push(viaProtocol);
    expect(viaProtocol.ws.protocol).toBe('callboard.v1');
    expect(await viaProtocol.next('hello')).toMatchObject({ tenantId: 'tenant-a', role: 'wallboard' });
    const res = await fetch(`${gw.url}/api/v1/ws-ticket`, { method: 'POST', headers: { authorization: `Bearer ${t}` } });
    expect(res.status).toBe(201);
    const { ticket } = (await res.json()) as { ticket: string };
    const viaTicket = await open(`${gw.wsUrl}?ticket=${ticket}`, { origin: ORIGIN });
    clients.push(viaTicket);
    expect(await viaTicket.next('hello')).toMatchObject({ tenantId: 'tenant-a' });
    const again = await connect(`${gw.wsUrl}?ticket=${ticket}`, { origin: ORIGIN });
    expect(again.ok ? 0 : again.status).toBe(401);
    expect((await fetch(`${gw.url}/api/v1/ws-ticket`, { method: 'POST' })).status).toBe(401);
  });

  it('sends a snapshot on subscribe, then deltas and alerts with increasing seq; ping gets pong', async () => {
    const c = await client('tenant-a');
    c.send({ type: 'subscribe', queues: ['sales', 'support'], id: 1 });
    const snap = await c.next('snapshot');
    expect(snap).toMatchObject({ v: 1, seq: 1, epoch: gw.gateway.hub.epoch });
    expect((snap.queues as { queueId: string; tenantId: string }[]).map((q) => [q.tenantId, q.queueId])).toEqual([['tenant-a', 'sales']]);
    await publishSnapshots(stack, [snapshot('tenant-a', 'support', t0 + 1000, { answered: 5, withinSl: 5 }), snapshot('tenant-a', 'sales', t0 + 1000, { answered: 20, withinSl: 18 })]);
    await publishAlert(stack, { tenantId: 'tenant-a', queueId: 'sales', fingerprint: 'fp-a-sales' });
    await waitFor('two deltas and an alert', () => (c.frames.filter((f) => f.type === 'kpi').length >= 2 && c.frames.some((f) => f.type === 'alert') ? true : undefined));
    const data = c.frames.filter((f) => ['snapshot', 'kpi', 'alert'].includes(f.type));
    expect(data.map((f) => f.seq)).toEqual(data.map((_, i) => i + 1));
    expect(c.frames.find((f) => f.type === 'alert')).toMatchObject({ alert: { fingerprint: 'fp-a-sales', tenantId: 'tenant-a', kind: 'fire' } });
    c.send({ type: 'ping', id: 'p1' });
    expect(await c.next('pong')).toMatchObject({ id: 'p1' });
    c.send({ type: 'unsubscribe', queues: ['support'] });
    expect(await c.next('unsubscribed')).toMatchObject({ queues: ['sales'] });
  });

  it('never gives a client another tenant’s data, whatever it sends', async () => {
    const a = await client('tenant-a', 'admin');
    // B's queue names, B's tenant in every field a message could carry, '*' and windows.
    a.send({ type: 'subscribe', queues: ['secret-q', 'sales'], tenantId: 'tenant-b', tenant: 'tenant-b' });
    a.send({ type: 'subscribe', queues: '*', tenantId: 'tenant-b' });
    a.send({ type: 'subscribe', queues: ['../tenant-b/sales'] });
    a.send({ type: 'subscribe', queues: ['tenant-b/sales'] });
    a.send({ type: 'ack', fingerprint: 'fp-b', tenantId: 'tenant-b' });
    const b = await client('tenant-b');
    b.send({ type: 'subscribe', queues: '*' });
    await b.next('snapshot');
    await publishSnapshots(stack, [snapshot('tenant-b', 'secret-q', t0 + 2000, { answered: 8, withinSl: 8 }), snapshot('tenant-b', 'sales', t0 + 2000, { answered: 100, withinSl: 1 })]);
    await publishAlert(stack, { tenantId: 'tenant-b', queueId: 'sales', fingerprint: 'fp-b' });
    await waitFor('tenant b to see its alert and deltas', () => (b.frames.some((f) => f.type === 'alert') && b.frames.filter((f) => f.type === 'kpi').length >= 2 ? true : undefined));
    // The hub fans a record out to every client in one pass, so anything leaked to A went out before B
    // got it; A's pong, sent after its own messages were handled, comes after all of that on its socket.
    a.send({ type: 'ping', id: 'after-b' });
    await a.next('pong', (f) => f.id === 'after-b');
    // The ack is answered only after a Redis round trip, possibly after the pong.
    await waitFor('A’s ack to be answered', () => (a.frames.some((f) => f.type === 'acked' || (f.type === 'error' && f.code === 'not_found')) ? true : undefined));
    const text = JSON.stringify(a.frames);
    expect(text).not.toContain('tenant-b');
    expect(text).not.toContain('secret-q');
    expect(a.frames.filter((f) => f.type === 'error').map((f) => f.code)).toEqual(['invalid', 'invalid', 'not_found']);
    // REST: another tenant's path is 403.
    const t = await token('tenant-a', 'admin');
    for (const path of ['/api/v1/tenants/tenant-b/alerts', '/api/v1/tenants/tenant-b/queues/sales/kpis?window=rolling-15m', '/api/v1/tenants/tenant-b/snapshot']) {
      const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${t}` } });
      expect(res.status, path).toBe(403);
    }
    expect((await fetch(`${gw.url}/api/v1/tenants/tenant-a/alerts`)).status).toBe(401);
  });

  it('lets a lead acknowledge an alert but not a wallboard', async () => {
    const at = Date.now();
    const state: AlertState = { fingerprint: 'fp-ack', ruleId: 'sl-low', tenantId: 'tenant-a', queueId: 'sales', state: 'firing', since: at, value: 0.5, episode: 1, firedAt: at, lastEvaluatedAt: at };
    await gw.alerts.save('tenant-a', [{ state, rev: '0' }]);
    const wallboard = await client('tenant-a', 'wallboard');
    wallboard.send({ type: 'ack', fingerprint: 'fp-ack', id: 'w' });
    expect(await wallboard.next('error')).toMatchObject({ code: 'forbidden', id: 'w' });
    expect((await gw.alerts.list('tenant-a'))[0]?.ack).toBeUndefined();
    const lead = await open(gw.wsUrl, { token: await token('tenant-a', 'lead', 'lead-li'), origin: ORIGIN });
    clients.push(lead);
    lead.send({ type: 'ack', fingerprint: 'fp-ack', id: 'l' });
    expect(await lead.next('acked')).toMatchObject({ fingerprint: 'fp-ack', id: 'l', alert: { ack: { by: 'lead-li' } } });
    expect((await gw.alerts.list('tenant-a')).find((a) => a.fingerprint === 'fp-ack')?.ack).toMatchObject({ by: 'lead-li' });
    lead.send({ type: 'unack', fingerprint: 'fp-ack' });
    await lead.next('unacked');
    expect((await gw.alerts.list('tenant-a')).find((a) => a.fingerprint === 'fp-ack')?.ack).toBeUndefined();
    lead.send({ type: 'ack', fingerprint: 'no-such-alert' });
    expect(await lead.next('error')).toMatchObject({ code: 'not_found' });
    const res = await fetch(`${gw.url}/api/v1/tenants/tenant-a/alerts`, { headers: { authorization: `Bearer ${await token('tenant-a')}` } });
    expect(((await res.json()) as { alerts: { fingerprint: string }[] }).alerts.map((a) => a.fingerprint)).toContain('fp-ack');
  });

  it('answers garbage, binary, oversized, half-JSON and unknown frames with errors or close codes, and keeps serving', async () => {
    const c = await client('tenant-a');
    const sent: [unknown, string][] = [
      ['not json at all', 'bad_json'],
      ['{"type":"subscribe","queues":["sa', 'bad_json'],
      ['[1,2,3]', 'invalid'],
      ['null', 'invalid'],
      ['{"type":"launch-missiles"}', 'unknown_type'],
      ['{"queues":["sales"]}', 'unknown_type'],
      ['{"type":"subscribe","queues":[]}', 'invalid'],
      ['{"type":"subscribe","queues":"sales"}', 'invalid'],
      ['{"type":"subscribe","queues":["sales"],"windows":["forever"]}', 'invalid'],
      ['{"type":"ack"}', 'invalid'],
      [Buffer.from([0, 1, 2, 255]), 'bad_json'],
    ];
    for (const [frame] of sent) c.send(frame);
    await waitFor('an error per frame', () => (c.frames.filter((f) => f.type === 'error').length >= sent.length ? true : undefined));
    expect(c.frames.filter((f) => f.type === 'error').map((f) => f.code)).toEqual(sent.map(([, code]) => code));
    c.send(JSON.stringify({ type: 'subscribe', queues: ['sales'], pad: 'x'.repeat(20_000) }));
    expect(await c.next('error')).toBeDefined();
    expect(await c.waitClosed()).toMatchObject({ code: 4009 });
    expect(c.frames.at(-1)).toMatchObject({ type: 'error', code: 'too_large' });
    // The server still serves a new client.
    const d = await client('tenant-a');
    d.send({ type: 'subscribe', queues: ['sales'] });
    expect(await d.next('snapshot')).toMatchObject({ seq: 1 });
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });

  it('rate-limits a flood of subscribes, then closes a client that keeps flooding with 4029', async () => {
    const c = await client('tenant-a');
    for (let i = 0; i < 40; i += 1) c.send({ type: 'subscribe', queues: ['sales'] });
    expect(await c.next('error')).toMatchObject({ code: 'rate_limited' });
    // Messages are handled in order and pings within the flooded second are dropped, so a pong says
    // that all 40 subscribes were handled and a new one-second window began (the limiter's clock).
    let pings = 0;
    await waitFor('a ping answered in a new rate window', () => {
      if (c.frames.some((f) => f.type === 'pong')) return true;
      c.send({ type: 'ping', id: (pings += 1) });
      return undefined;
    }, 10_000, 150);
    expect(c.frames.filter((f) => f.type === 'snapshot').length).toBeLessThanOrEqual(20);
    expect(c.closed).toBeUndefined();
    for (let i = 0; i < 200; i += 1) c.send({ type: 'subscribe', queues: ['sales'] });
    expect(await c.waitClosed()).toMatchObject({ code: 4029 });
  });

  it('closes a connection with 4001 when its token expires', async () => {
    const c = await open(gw.wsUrl, { token: await issueToken({ tenantId: 'tenant-a', role: 'wallboard', ttlSeconds: 2 }, SECRET), origin: ORIGIN });
    clients.push(c);
    await c.next('hello');
    expect(await c.waitClosed(10_000)).toMatchObject({ code: 4001, reason: 'token expired' });
  });

  it('limits connections per token', async () => {
    const t = await token('tenant-a');
    const opened: TestClient[] = [];
    for (let i = 0; i < 10; i += 1) opened.push(await open(gw.wsUrl, { token: t, origin: ORIGIN }));
    const eleventh = await connect(gw.wsUrl, { token: t, origin: ORIGIN });
    expect(eleventh.ok ? 0 : eleventh.status).toBe(429);
    opened[0]!.close();
    await opened[0]!.waitClosed();
    await waitFor('a slot to free', async () => {
      const r = await connect(gw.wsUrl, { token: t, origin: ORIGIN });
      if (r.ok) opened.push(r.client);
      return r.ok ? true : undefined;
    });
    for (const c of opened) c.close();
  });

  it('serves the same counts over REST as WindowStore.readRange', async () => {
    const base = Date.parse('2026-01-05T10:00:00Z');
    const iso = (ms: number) => new Date(ms).toISOString();
    let n = 0;
    const ev = (input: Record<string, unknown>): CanonicalEvent => parseEvent({ eventId: `e${(n += 1)}`, tenantId: 'tenant-a', queueId: 'rest-q', ...input } as CanonicalEventInput);
    const events = [
      ev({ type: 'call.offered', callId: 'c1', occurredAt: iso(base + 1000), channel: 'voice', direction: 'inbound' }),
      ev({ type: 'call.answered', callId: 'c1', occurredAt: iso(base + 11_000), agentId: 'a1', waitMs: 10_000 }),
      ev({ type: 'call.offered', callId: 'c2', occurredAt: iso(base + 2000), channel: 'voice', direction: 'inbound' }),
      ev({ type: 'call.abandoned', callId: 'c2', occurredAt: iso(base + 40_000), waitMs: 38_000 }),
      ev({ type: 'call.offered', callId: 'c3', occurredAt: iso(base + 3000), channel: 'voice', direction: 'inbound' }),
      ev({ type: 'call.answered', callId: 'c3', occurredAt: iso(base + 60_000), agentId: 'a2', waitMs: 57_000 }),
    ];
    const nowMs = Date.now();
    await gw.store.applyBatch({ group: 'g', topic: 'calls', partition: 0, events: events.map((event, i) => ({ offset: String(i), event })), settingsFor: (t, q) => gw.queues.resolve(t, q), nowMs });
    const from = base;
    const to = base + 15 * 60_000;
    const expected = await gw.store.readRange('tenant-a', 'rest-q', from, to, Date.now());
    const res = await fetch(`${gw.url}/api/v1/tenants/tenant-a/queues/rest-q/kpis?from=${iso(from)}&to=${iso(to)}`, { headers: { authorization: `Bearer ${await token('tenant-a')}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { queues: { tenantId: string; queueId: string; window: string; counts: unknown; from: string; to: string; live: unknown }[] };
    expect(body.queues).toHaveLength(1);
    expect(body.queues[0]).toMatchObject({ tenantId: 'tenant-a', queueId: 'rest-q', window: 'range', from: iso(expected.from), to: iso(expected.to) });
    expect(body.queues[0]!.counts).toEqual(expected.counts);
    expect(body.queues[0]!.live).toBeDefined();
    expect(expected.counts.offered).toBe(3);
    const named = await fetch(`${gw.url}/api/v1/tenants/tenant-a/queues/rest-q/kpis?window=rolling-15m`, { headers: { authorization: `Bearer ${await token('tenant-a')}` } });
    expect(((await named.json()) as { queues: { window: string }[] }).queues[0]!.window).toBe('rolling-15m');
    const bad = await fetch(`${gw.url}/api/v1/tenants/tenant-a/queues/rest-q/kpis?window=forever`, { headers: { authorization: `Bearer ${await token('tenant-a')}` } });
    expect(bad.status).toBe(400);
  });

  it('exposes health, readiness, KPI gauges and an OpenAPI document', async () => {
    expect((await fetch(`${gw.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${gw.opsUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${await token('tenant-a')}` } })).text();
    expect(metrics).toMatch(/callboard_kpi\{[^}]*tenant="tenant-a",queue="sales",window="rolling-15m",metric="answerRate"[^}]*\} 1/);
    expect(metrics).toMatch(/callboard_kpi\{[^}]*tenant="tenant-a",queue="sales",window="live",metric="agentsAvailable"[^}]*\} 5/);
    const ops = await (await fetch(`${gw.opsUrl}/metrics`)).text();
    expect(ops).toContain('callboard_gateway_connections');
    expect(ops).not.toContain('callboard_kpi{');
    const doc = (await (await fetch(`${gw.url}/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/tenants/{t}/queues/{q}/kpis');
  });

  it('gives identical snapshots from two gateway instances', async () => {
    const second = await startTestGateway(stack, redis, { namespace: gw.namespace });
    try {
      await waitFor('the second gateway to load tenant-a', () => (JSON.stringify(second.gateway.hub.tenantViews('tenant-a')) === JSON.stringify(gw.gateway.hub.tenantViews('tenant-a')) ? true : undefined), 30_000);
      const snapshots: Frame[] = [];
      for (const g of [gw, second]) {
        const c = await open(g.wsUrl, { token: await token('tenant-a'), origin: ORIGIN });
        clients.push(c);
        c.send({ type: 'subscribe', queues: '*' });
        snapshots.push(await c.next('snapshot'));
      }
      expect(snapshots[0]!.queues).toEqual(snapshots[1]!.queues);
      expect((snapshots[0]!.queues as unknown[]).length).toBeGreaterThanOrEqual(2);
      expect(snapshots[0]!.epoch).not.toBe(snapshots[1]!.epoch);
    } finally {
      await second.close();
    }
  });
});
