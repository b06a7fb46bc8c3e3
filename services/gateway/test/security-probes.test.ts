import { randomBytes } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AlertState } from '@callboard/alerts';
import { parseEvent, type CanonicalEventInput } from '@callboard/events';
import type { Redis } from '@callboard/runtime';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { snapshot } from '../../../test/helpers/snapshots.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { issueToken, type Role } from '../src/index.js';
import { connect, ORIGIN, publishAlert, publishSnapshots, SCRAPE_TOKEN, SECRET, startTestGateway, type TestClient, type TestGateway } from './support.js';

const VICTIM = 'victim-co';
const VICTIM_QUEUE = 'victim-secret-q';
const PROBER = 'probe-co';
const DAY = 24 * 3600_000;
/** Anything that would show the victim's data in a response or a frame. */
const LEAKS = [VICTIM, VICTIM_QUEUE, 'fp-victim'];
/** CB_INGEST_TOKEN_SECRET of the same deployment: apart from the gateway's SECRET. */
const INGEST_SECRET = `ingest-${randomBytes(16).toString('hex')}`;

const token = (tenantId: string, role: Role = 'wallboard') => issueToken({ tenantId, role, ttlSeconds: 600 }, SECRET);

/** The credentials a caller without the victim's token might try (issue 8 acceptance). */
async function probes(): Promise<{ name: string; token: string | undefined; status: number[] }[]> {
  const now = Math.floor(Date.now() / 1000);
  const key = new TextEncoder().encode(SECRET);
  return [
    { name: 'no token', token: undefined, status: [401] },
    { name: 'expired token', token: await new SignJWT({ tenantId: VICTIM, role: 'admin' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(now - 5).sign(key), status: [401] },
    { name: 'forged signature', token: await issueToken({ tenantId: VICTIM, role: 'admin', ttlSeconds: 60 }, 'y'.repeat(40)), status: [401] },
    { name: 'alg none', token: new UnsecuredJWT({ tenantId: VICTIM, role: 'admin' }).setExpirationTime(now + 60).encode(), status: [401] },
    // Another tenant's token is valid: tenant routes answer 403; the rest answer, with its own data only.
    { name: 'another tenant (wallboard)', token: await token(PROBER, 'wallboard'), status: [403, 200, 201, 101] },
    { name: 'another tenant (lead)', token: await token(PROBER, 'lead'), status: [403, 200, 201, 101] },
    { name: 'another tenant (admin)', token: await token(PROBER, 'admin'), status: [403, 200, 201, 101] },
    // An ingest token only posts events (issue 10 item 3): even the victim's own opens no route here. It is
    // signed with CB_INGEST_TOKEN_SECRET (round 2), which the gateway never checks with: a forgery here, and
    // so is an admin token minted with that secret on a host that takes events.
    { name: 'ingest token (victim tenant)', token: await issueToken({ tenantId: VICTIM, role: 'ingest', ttlSeconds: 600 }, INGEST_SECRET), status: [401] },
    { name: 'ingest token (another tenant)', token: await issueToken({ tenantId: PROBER, role: 'ingest', ttlSeconds: 600 }, INGEST_SECRET), status: [401] },
    { name: 'admin token signed with the ingest secret', token: await issueToken({ tenantId: VICTIM, role: 'admin', ttlSeconds: 600 }, INGEST_SECRET), status: [401] },
    // The ingest role signed with the gateway's own secret (how ingest tokens were signed before round 2): 403.
    { name: 'ingest role, gateway secret', token: await issueToken({ tenantId: VICTIM, role: 'ingest', ttlSeconds: 600 }, SECRET), status: [403] },
  ];
}

const auth = (t: string | undefined): Record<string, string> => (t ? { authorization: `Bearer ${t}` } : {});

describe('gateway security probes with the real Kafka, registry and Redis (issue 8 items 1, 2, 5)', () => {
  let stack: TestStack;
  let redis: Redis;
  let gw: TestGateway;
  const clients: TestClient[] = [];
  const t0 = Date.now();

  async function text(res: Response): Promise<string> {
    return res.text();
  }

  /** A WebSocket that subscribes to everything and to the victim's queue by name, and keeps every frame. */
  async function wsProbe(url: string, t: string | undefined): Promise<{ status: number; frames: () => string }> {
    const r = await connect(url, { ...(t ? { token: t } : {}), origin: ORIGIN });
    if (!r.ok) return { status: r.status, frames: () => r.body };
    clients.push(r.client);
    r.client.send({ type: 'subscribe', queues: '*' });
    r.client.send({ type: 'subscribe', queues: [VICTIM_QUEUE], tenantId: VICTIM });
    await r.client.next('snapshot', (f) => f.seq === 2);
    return { status: 101, frames: () => JSON.stringify(r.client.frames) };
  }

  beforeAll(async () => {
    stack = await createTestStack('gateway-probes');
    redis = stack.redis();
    await redis.connect();
    await publishSnapshots(stack, [snapshot(VICTIM, VICTIM_QUEUE, t0, { answered: 10, withinSl: 9 }), snapshot(PROBER, 'probe-q', t0, { answered: 4, withinSl: 4 })]);
    gw = await startTestGateway(stack, redis);
    await waitFor('both tenants to load', () => (gw.gateway.hub.tenantViews(VICTIM).length === 1 && gw.gateway.hub.tenantViews(PROBER).length === 1 ? true : undefined));
    const at = Date.now();
    const alert: AlertState = { fingerprint: 'fp-victim-1', ruleId: 'sl-low', tenantId: VICTIM, queueId: VICTIM_QUEUE, state: 'firing', since: at, value: 0.5, episode: 1, firedAt: at, lastEvaluatedAt: at };
    await gw.alerts.save(VICTIM, [{ state: alert, rev: '0' }]);
    // Calls seven days ago and now, for the victim and the prober: range reads find them.
    const events = [VICTIM, PROBER].flatMap((tenantId) =>
      [t0 - 7 * DAY, t0 - 60_000].flatMap((at, i) => [
        { tenantId, queueId: tenantId === VICTIM ? VICTIM_QUEUE : 'probe-q', type: 'call.offered', callId: `${tenantId}-c${i}`, occurredAt: new Date(at).toISOString(), channel: 'voice', direction: 'inbound' },
        { tenantId, queueId: tenantId === VICTIM ? VICTIM_QUEUE : 'probe-q', type: 'call.answered', callId: `${tenantId}-c${i}`, occurredAt: new Date(at + 4000).toISOString(), agentId: 'a1', waitMs: 4000 },
      ]),
    );
    // In event-time order: an event older than the partition watermark minus grace would be late.
    events.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
    await gw.store.applyBatch({
      group: 'g',
      topic: 'calls',
      partition: 0,
      events: events.map((e, i) => ({ offset: String(i), event: parseEvent({ eventId: `e${i}`, ...e } as CanonicalEventInput) })),
      settingsFor: (t, q) => gw.queues.resolve(t, q),
      nowMs: t0,
    });
  });
  afterAll(async () => {
    for (const c of clients) c.close();
    await gw?.close();
    await stack?.cleanup();
  });

  it('gives no tenant data to no token, another tenant, an expired, a forged or an alg:none token, on any route', async () => {
    const victimPaths = [`/api/v1/tenants/${VICTIM}/queues/${VICTIM_QUEUE}/kpis?window=rolling-15m`, `/api/v1/tenants/${VICTIM}/queues/${VICTIM_QUEUE}/series`, `/api/v1/tenants/${VICTIM}/alerts`, `/api/v1/tenants/${VICTIM}/snapshot`];
    const routes: { route: string; probe: (t: string | undefined) => Promise<{ status: number; body: () => string }> }[] = [
      ...victimPaths.map((path) => ({
        route: `GET ${path.split('?')[0]}`,
        probe: async (t: string | undefined) => {
          const res = await fetch(`${gw.url}${path}`, { headers: auth(t) });
          const body = await text(res);
          return { status: res.status, body: () => body };
        },
      })),
      {
        route: 'GET /metrics',
        probe: async (t) => {
          const res = await fetch(`${gw.url}/metrics`, { headers: auth(t) });
          const body = await text(res);
          return { status: res.status, body: () => body };
        },
      },
      { route: 'GET /ws', probe: async (t) => wsProbe(gw.wsUrl, t).then((p) => ({ status: p.status, body: p.frames })) },
      {
        route: 'POST /api/v1/ws-ticket, then GET /ws?ticket',
        probe: async (t) => {
          const res = await fetch(`${gw.url}/api/v1/ws-ticket`, { method: 'POST', headers: auth(t) });
          if (res.status !== 201) return { status: res.status, body: () => '' };
          const { ticket } = (await res.json()) as { ticket: string };
          const p = await wsProbe(`${gw.wsUrl}?ticket=${ticket}`, undefined);
          return { status: 201, body: p.frames };
        },
      },
    ];
    const results: { route: string; probe: string; status: number; body: () => string; allowed: number[] }[] = [];
    for (const p of await probes()) {
      for (const r of routes) results.push({ route: r.route, probe: p.name, allowed: p.status, ...(await r.probe(p.token)) });
    }
    // The victim's data moves on after the probes connected: a delta and an alert they must not get.
    const victim = await wsProbe(gw.wsUrl, await token(VICTIM));
    await publishSnapshots(stack, [snapshot(VICTIM, VICTIM_QUEUE, t0 + 1000, { answered: 11, withinSl: 9 })]);
    await publishAlert(stack, { tenantId: VICTIM, queueId: VICTIM_QUEUE, fingerprint: 'fp-victim-2' });
    await waitFor('the victim to get its delta and alert', () => (victim.frames().includes('"type":"kpi"') && victim.frames().includes('fp-victim-2') ? true : undefined));
    const table = results.map((r) => ({ route: r.route, probe: r.probe, status: r.status, leaks: LEAKS.filter((l) => r.body().includes(l)), statusAllowed: r.allowed.includes(r.status) }));
    expect(table.filter((row) => row.leaks.length > 0 || !row.statusAllowed)).toEqual([]);
    // Tenant routes refuse another tenant outright.
    expect(table.filter((row) => row.probe.startsWith('another') && row.route.startsWith('GET /api')).every((row) => row.status === 403)).toBe(true);
    // Refusals are counted on the ops listener, which itself holds no tenant data.
    const ops = await text(await fetch(`${gw.opsUrl}/metrics`));
    for (const reason of ['token_missing', 'token_expired', 'token_invalid']) {
      expect(ops, reason).toMatch(new RegExp(`callboard_gateway_requests_refused_total\\{[^}]*route="metrics",reason="${reason}"[^}]*\\} [1-9]`));
      expect(ops, reason).toMatch(new RegExp(`callboard_gateway_upgrades_refused_total\\{[^}]*reason="${reason}"[^}]*\\} [1-9]`));
    }
    expect(ops).toMatch(/callboard_gateway_requests_refused_total\{[^}]*route="rest",reason="tenant_forbidden"[^}]*\} [1-9]/);
    for (const route of ['rest', 'ticket', 'metrics']) expect(ops, route).toMatch(new RegExp(`callboard_gateway_requests_refused_total\\{[^}]*route="${route}",reason="role_forbidden"[^}]*\\} [1-9]`));
    expect(ops).toMatch(/callboard_gateway_upgrades_refused_total\{[^}]*reason="role_forbidden"[^}]*\} [1-9]/);
    for (const leak of LEAKS) expect(ops).not.toContain(leak);
  });

  it('shows a tenant token its own KPI series on /metrics, and the scrape token every tenant', async () => {
    const own = await text(await fetch(`${gw.url}/metrics`, { headers: auth(await token(PROBER, 'lead')) }));
    expect(own).toMatch(/callboard_kpi\{[^}]*tenant="probe-co",queue="probe-q",window="rolling-15m",metric="answerRate"[^}]*\} 1/);
    expect(own).toMatch(/callboard_kpi_snapshot_timestamp_seconds\{[^}]*tenant="probe-co"/);
    expect(own).not.toContain(VICTIM);
    const all = await text(await fetch(`${gw.url}/metrics`, { headers: auth(SCRAPE_TOKEN) }));
    expect(all).toContain(`tenant="${VICTIM}"`);
    expect(all).toContain(`tenant="${PROBER}"`);
    const almost = await fetch(`${gw.url}/metrics`, { headers: auth(`${SCRAPE_TOKEN.slice(0, -1)}x`) });
    expect(almost.status).toBe(401);
  });

  it('answers 400 CB_RANGE_TOO_LARGE for 1970 to 2100 while another tenant reads normally, and data for a max-span read', async () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const [huge, normal] = await Promise.all([
      fetch(`${gw.url}/api/v1/tenants/${PROBER}/queues/probe-q/kpis?from=1970-01-01T00:00:00Z&to=2100-01-01T00:00:00Z`, { headers: auth(await token(PROBER)) }),
      fetch(`${gw.url}/api/v1/tenants/${VICTIM}/queues/${VICTIM_QUEUE}/kpis?window=rolling-15m`, { headers: auth(await token(VICTIM)) }),
    ]);
    expect(huge.status).toBe(400);
    expect(((await huge.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'CB_RANGE_TOO_LARGE', message: expect.stringContaining('8 days') });
    expect(normal.status).toBe(200);
    const max = await fetch(`${gw.url}/api/v1/tenants/${PROBER}/queues/probe-q/kpis?from=${iso(t0 - 8 * DAY)}&to=${iso(t0)}`, { headers: auth(await token(PROBER)) });
    expect(max.status).toBe(200);
    expect(((await max.json()) as { queues: { counts: { offered: number } }[] }).queues[0]!.counts.offered).toBe(2);
  });

  it('answers 400 CB_RANGE_TOO_LARGE for a span just over 8 days', async () => {
    const iso = (ms: number) => new Date(ms).toISOString();
    const res = await fetch(`${gw.url}/api/v1/tenants/${PROBER}/queues/probe-q/kpis?from=${iso(t0 - 8 * DAY - 3600_000)}&to=${iso(t0)}`, { headers: auth(await token(PROBER)) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('CB_RANGE_TOO_LARGE');
  });

  it('answers 400 invalid for from/to that are not ISO instants with a zone', async () => {
    const t = await token(PROBER);
    for (const [from, to] of [
      ['yesterday', '2026-05-10T10:00:00Z'],
      ['2026-13-01T00:00:00Z', '2026-05-10T10:00:00Z'],
      ['2026-05-10', '2026-05-11'],
      ['2026-05-10T08:00:00', '2026-05-10T09:00:00'],
      ['1', '2'],
      ['2026-05-10T10:00:00Z', '2026-05-10T09:00:00Z'],
    ]) {
      const res = await fetch(`${gw.url}/api/v1/tenants/${PROBER}/queues/probe-q/kpis?from=${encodeURIComponent(from!)}&to=${encodeURIComponent(to!)}`, { headers: auth(t) });
      expect(res.status, `${from} ${to}`).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid');
    }
  });

  it('answers an empty range [x, x) with zero counts', async () => {
    const res = await fetch(`${gw.url}/api/v1/tenants/${PROBER}/queues/probe-q/kpis?from=2026-05-10T10:00:00Z&to=2026-05-10T10:00:00Z`, { headers: auth(await token(PROBER)) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { queues: { counts: { offered: number } }[] }).queues[0]!.counts.offered).toBe(0);
  });

  it('rate-limits tickets per token: the 11th POST in a minute gets 429 CB_RATE_LIMITED with Retry-After; other tokens are unaffected', async () => {
    const busy = await issueToken({ tenantId: PROBER, role: 'wallboard', ttlSeconds: 600, sub: 'busy-tv' }, SECRET);
    const post = (t: string) => fetch(`${gw.url}/api/v1/ws-ticket`, { method: 'POST', headers: auth(t) });
    for (let i = 0; i < 10; i += 1) expect((await post(busy)).status, `ticket ${i + 1}`).toBe(201);
    const eleventh = await post(busy);
    expect(eleventh.status).toBe(429);
    expect(((await eleventh.json()) as { error: { code: string } }).error.code).toBe('CB_RATE_LIMITED');
    const retryAfter = Number(eleventh.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const other = await issueToken({ tenantId: PROBER, role: 'wallboard', ttlSeconds: 600, sub: 'other-tv' }, SECRET);
    expect((await post(other)).status).toBe(201);
    const ops = await text(await fetch(`${gw.opsUrl}/metrics`));
    expect(ops).toMatch(/callboard_gateway_tickets_rate_limited_total\{[^}]*\} [1-9]/);
  });
});
