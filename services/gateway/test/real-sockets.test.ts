import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRootLogger, type Redis } from '@callboard/runtime';
import type { QueueView } from '@callboard/windows';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { snapshot } from '../../../test/helpers/snapshots.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { issueToken } from '../src/index.js';
import { connect, type Frame, open, ORIGIN, SECRET, startTestGateway, type TestClient, type TestGateway } from './support.js';

/** A view with 100 kB of padding, so a paused reader fills the kernel buffers within a few frames. */
const big = (i: number): QueueView => ({ ...snapshot('slow-co', 'q1', 1_000_000 + i * 1000, { answered: i, withinSl: i }), pad: 'x'.repeat(100_000) }) as QueueView;
const socketOf = (c: TestClient) => (c.ws as unknown as { _socket: Socket })._socket;

describe('a slow client over a real socket', () => {
  let stack: TestStack;
  let redis: Redis;
  let gw: TestGateway;

  beforeAll(async () => {
    stack = await createTestStack('gateway-slow');
    redis = stack.redis();
    await redis.connect();
    gw = await startTestGateway(stack, redis, { limits: { maxBufferedBytes: 256 * 1024, slowCloseMs: 2000 } });
  });
  afterAll(async () => {
    await gw?.close();
    await stack?.cleanup();
  });

  it('gets coalesced KPI frames and every alert, never holds back a fast client, and is closed with 4008 when it stays behind', async () => {
    const token = await issueToken({ tenantId: 'slow-co', role: 'wallboard', ttlSeconds: 600 }, SECRET);
    const slow = await open(gw.wsUrl, { token, origin: ORIGIN });
    const fast = await open(gw.wsUrl, { token, origin: ORIGIN });
    for (const c of [slow, fast]) {
      c.send({ type: 'subscribe', queues: '*' });
      await c.next('snapshot');
    }
    const hub = gw.gateway.hub;
    socketOf(slow).pause();
    const started = Date.now();
    // Snapshots arrive one by one, as from Kafka, each once the fast client has the one before: a
    // slow client that held the fast one back would stop the loop here.
    const fastHas = (i: number) =>
      waitFor(`the fast client to get view ${i}`, () => (fast.frames.some((f) => f.type === 'kpi' && (f.view as QueueView).at === big(i).at) ? true : undefined), 10_000, 2);
    for (let i = 1; i <= 100; i += 1) {
      hub.applySnapshot(big(i));
      if (i % 30 === 0) hub.applyAlert({ fingerprint: `fp${i}`, kind: 'fire', tenantId: 'slow-co', queueId: 'q1' });
      await fastHas(i);
    }
    await waitFor('the fast client to get every frame', () => (fast.frames.filter((f) => f.type === 'kpi').length === 100 ? true : undefined), 10_000, 10);
    expect(Date.now() - started).toBeLessThan(5000);
    socketOf(slow).resume();
    await waitFor('the slow client to get the latest view', () => slow.frames.find((f) => f.type === 'kpi' && (f.view as QueueView).at === big(100).at), 10_000, 20);
    const kpis = slow.frames.filter((f) => f.type === 'kpi');
    expect(kpis.length).toBeLessThan(100);
    expect(slow.frames.filter((f) => f.type === 'alert').map((f) => (f.alert as { fingerprint: string }).fingerprint)).toEqual(['fp30', 'fp60', 'fp90']);
    const data = slow.frames.filter((f: Frame) => typeof f.seq === 'number');
    expect(data.map((f) => f.seq)).toEqual(data.map((_, i) => i + 1));
    expect(slow.closed).toBeUndefined();

    // Behind for longer than slowCloseMs: closed with 4008; the fast client stays.
    socketOf(slow).pause();
    // Keep snapshots coming until the server gives up (how much the kernel buffers varies).
    let last = 100;
    let pushing = true;
    const pusher = (async () => {
      while (pushing && last < 600) {
        last += 1;
        hub.applySnapshot(big(last));
        await fastHas(last);
      }
    })();
    try {
      await waitFor('the server to give up on the slow client', async () => {
        const metrics = await (await fetch(`${gw.opsUrl}/metrics`)).text();
        return /callboard_gateway_closes_total\{[^}]*code="4008"[^}]*\} 1/.test(metrics) ? true : undefined;
      }, 30_000, 200);
    } finally {
      pushing = false;
      await pusher;
    }
    socketOf(slow).resume();
    expect(await slow.waitClosed(40_000)).toMatchObject({ code: 4008 });
    expect(fast.closed).toBeUndefined();
    await waitFor('the fast client to get every frame', () => (fast.frames.filter((f) => f.type === 'kpi').length === last ? true : undefined), 10_000, 20);
    fast.close();
  });
});

describe('heartbeats and logs over a real socket', () => {
  let stack: TestStack;
  let redis: Redis;
  let gw: TestGateway;
  const logLines: string[] = [];

  beforeAll(async () => {
    stack = await createTestStack('gateway-heartbeat');
    redis = stack.redis();
    await redis.connect();
    const logger = createRootLogger({ name: 'gateway-logs', level: 'debug', destination: { write: (line: string) => logLines.push(line) } });
    gw = await startTestGateway(stack, redis, { limits: { heartbeatMs: 300 }, logger });
  });
  afterAll(async () => {
    await gw?.close();
    await stack?.cleanup();
  });

  it('keeps a client that answers pings and ends a half-open one that does not', async () => {
    const token = await issueToken({ tenantId: 'hb-co', role: 'wallboard', ttlSeconds: 600 }, SECRET);
    const live = await open(gw.wsUrl, { token, origin: ORIGIN });
    const halfOpen = await open(gw.wsUrl, { token, origin: ORIGIN });
    let pings = 0;
    live.ws.on('ping', () => (pings += 1));
    await live.next('hello');
    await halfOpen.next('hello');
    // A peer that stopped reading answers no ping: as good as gone.
    socketOf(halfOpen).pause();
    await waitFor('the server to drop the half-open client', () => (gw.gateway.hub.clientCount === 1 ? true : undefined), 5000, 50);
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(live.closed).toBeUndefined();
    live.send({ type: 'ping' });
    await live.next('pong');
    live.close();
    halfOpen.ws.terminate();
  });

  it('never logs a ticket or a token', async () => {
    const token = await issueToken({ tenantId: 'hb-co', role: 'lead', ttlSeconds: 600 }, SECRET);
    const { ticket } = (await (await fetch(`${gw.url}/api/v1/ws-ticket`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).json()) as { ticket: string };
    const c = await open(`${gw.wsUrl}?ticket=${ticket}`, { origin: ORIGIN });
    await c.next('hello');
    c.close();
    await c.waitClosed();
    const refused = await connect(`${gw.wsUrl}?ticket=${ticket}`, { origin: ORIGIN });
    expect(refused.ok).toBe(false);
    await fetch(`${gw.url}/api/v1/tenants/hb-co/alerts?ticket=${ticket}`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${gw.url}/nowhere?ticket=${ticket}`);
    await waitFor('the refusal to be logged', () => (logLines.some((l) => l.includes('ticket_invalid')) ? true : undefined), 5000, 50);
    const all = logLines.join('');
    expect(all).not.toContain(ticket);
    expect(all).not.toContain(token);
    expect(all).not.toContain(token.split('.')[2]!);
  });
});
