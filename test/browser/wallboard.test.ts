import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore, type Alerter } from '@callboard/alerter';
import { loadRules } from '@callboard/alerts';
import { parseEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import { issueToken, type Gateway, type Role } from '@callboard/gateway';
import { DEFAULT_QUEUE_KPI_SETTINGS } from '@callboard/kpi';
import type { Redis } from '@callboard/runtime';
import { WindowStore, type QueueView } from '@callboard/windows';
import { publishSnapshots } from '../helpers/alerter-bed.js';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { testAlerter } from '../helpers/pipeline.js';
import { snapshot } from '../helpers/snapshots.js';
import { waitFor } from '../helpers/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { freePort, launchChromium, mmss, pct, pct1, prepareBrowserTests, SCREENSHOTS, startBrowserGateway } from './support.js';

/** A second tenant whose KPI snapshots come from a clock 3 minutes ahead of the TV's (the sparkline test). */
const SKEW_TENANT = 'tv-skew';
const SKEW_QUEUE = 'skewed';
const SECRET = `wallboard-secret-${randomBytes(16).toString('hex')}`;
const TENANT = 'tv-co';

/**
 * An hour of calls per queue, with a service level that swings between about 55 % and 95 %, so
 * GET …/series (and the sparkline it seeds) has something to draw.
 */
function history(queueIds: string[], nowMs: number, tenantId = TENANT): CanonicalEvent[] {
  const events: CanonicalEvent[] = [];
  let n = 0;
  const ev = (input: Record<string, unknown>) => events.push(parseEvent({ eventId: `h${tenantId}${++n}`, tenantId, ...input } as CanonicalEventInput));
  queueIds.forEach((queueId, q) => {
    for (let i = 0, t = nowMs - 65 * 60_000; t < nowMs - 60_000; i++, t += 20_000) {
      const callId = `${queueId}-${i}`;
      const within = (i * 0.618 + q * 0.3) % 1 < 0.75 + 0.2 * Math.sin(i / 25 + q);
      ev({ type: 'call.offered', callId, queueId, occurredAt: new Date(t).toISOString(), channel: 'voice', direction: 'inbound' });
      if (i % 11 === 5) ev({ type: 'call.abandoned', callId, queueId, occurredAt: new Date(t + 30_000).toISOString(), waitMs: 30_000 });
      else ev({ type: 'call.answered', callId, queueId, occurredAt: new Date(t + (within ? 8_000 : 35_000)).toISOString(), agentId: 'a1', waitMs: within ? 8_000 : 35_000 });
    }
  });
  return events.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
}

describe('wallboard in a real headless Chromium', () => {
  let stack: TestStack;
  let redis: Redis;
  let gateway: Gateway;
  let alerter: Alerter;
  let alerts: AlertStore;
  let receiver: WebhookReceiver;
  let context: BrowserContext;
  let baseUrl: string;
  const userDataDir = mkdtempSync(join(tmpdir(), 'cb-chromium-'));
  /** What the publisher sends each second, per queue: changed by the tests to make breaches. */
  const traffic: Record<string, { answered: number; withinSl: number; abandoned: number; callsWaiting: number; longestWaitingMs?: number }> = {
    sales: { answered: 40, withinSl: 37, abandoned: 2, callsWaiting: 3 },
    support: { answered: 25, withinSl: 21, abandoned: 1, callsWaiting: 7 },
    billing: { answered: 12, withinSl: 9, abandoned: 3, callsWaiting: 0 },
  };
  let stopPublishing: (() => Promise<void>) | undefined;

  const token = (role: Role, sub?: string, tenantId = TENANT) => issueToken({ tenantId, role, ttlSeconds: 600, ...(sub ? { sub } : {}) }, SECRET);

  function views(): QueueView[] {
    const now = Date.now();
    return Object.entries(traffic).map(([queueId, t]) => {
      const v = snapshot(TENANT, queueId, now, t);
      // A longest wait and an ASA, so the tiles show more than dashes.
      v.live.longestWaitingMs = t.longestWaitingMs ?? t.callsWaiting * 13_000;
      v.live.agentsAvailable = 4;
      v.live.agentsOnCall = 9;
      for (const w of v.windows) w.asaMs = 8_200 + t.callsWaiting * 1000;
      return v;
    });
  }

  /** Errors the pages printed to their console (a missing resource is one), for the tests that expect none. */
  const consoleErrors: string[] = [];

  async function openWallboard(role: Role, query = 'lang=en', sub?: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${baseUrl}/?${query}#token=${await token(role, sub)}`);
    await page.locator('[data-queue="sales"] .sl-value').waitFor({ timeout: 30_000 });
    return page;
  }

  /** Each sparkline's path box (getBBox, user units) and its svg's viewBox. */
  async function sparklineBoxes(page: Page): Promise<{ queue: string; box: [number, number, number, number]; viewBox: [number, number, number, number]; d: string }[]> {
    return (await page.evaluate(
      "Array.from(document.querySelectorAll('svg.sparkline')).map((svg) => { const b = svg.querySelector('path.line').getBBox(); const v = svg.viewBox.baseVal; return { queue: svg.closest('[data-queue]').dataset.queue, box: [b.x, b.y, b.width, b.height], viewBox: [v.x, v.y, v.width, v.height], d: svg.querySelector('path.line').getAttribute('d') }; })",
    )) as { queue: string; box: [number, number, number, number]; viewBox: [number, number, number, number]; d: string }[];
  }

  function expectInsideViewBox(boxes: Awaited<ReturnType<typeof sparklineBoxes>>): void {
    for (const { queue, box, viewBox, d } of boxes) {
      const [x, y, w, h] = box;
      const [vx, vy, vw, vh] = viewBox;
      const where = `${queue}: bbox ${box.join(',')} in viewBox ${viewBox.join(',')}; d=${d.slice(-80)}`;
      expect(x, where).toBeGreaterThanOrEqual(vx);
      expect(y, where).toBeGreaterThanOrEqual(vy);
      expect(x + w, where).toBeLessThanOrEqual(vx + vw);
      expect(y + h, where).toBeLessThanOrEqual(vy + vh);
    }
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  }

  beforeAll(async () => {
    // No silent skip: scripts/test.sh installs Debian's chromium, so its absence is a broken setup.
    prepareBrowserTests();
    stack = await createTestStack('wallboard');
    redis = stack.redis();
    await redis.connect();
    receiver = await startWebhookReceiver();
    const namespace = `t${randomBytes(4).toString('hex')}`;
    alerts = new AlertStore(redis, namespace);
    const windowStore = new WindowStore(redis, { namespace });
    const past = [...history(Object.keys(traffic), Date.now()), ...history([SKEW_QUEUE], Date.now(), SKEW_TENANT)];
    await windowStore.applyBatch({ group: `${stack.prefix}history`, topic: 'calls', partition: 0, events: past.map((event, i) => ({ offset: String(i), event })), settingsFor: () => DEFAULT_QUEUE_KPI_SETTINGS, nowMs: Date.now() });
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    gateway = await startBrowserGateway({ stack, redis, store: windowStore, alerts, namespace, port, secret: SECRET, metricsName: 'wallboard-test' });
    const rules = loadRules(
      JSON.stringify({
        version: 1,
        groups: { groupBy: ['tenantId', 'ruleId'], groupWaitMs: 100, groupIntervalMs: 1000, repeatIntervalMs: 3_600_000 },
        routes: { hook: { type: 'webhook', url: receiver.url } },
        rules: [
          { id: 'sl-low', name: 'SL below 80 %', metric: 'sl.primary', window: 'rolling-15m', comparator: '<', fire: 0.8, clear: 0.85, forMs: 0, keepFiringForMs: 0, minVolume: 5, severity: 'warning', routes: ['hook'] },
          // Quiet under the normal traffic below; the 40-alert test breaches them on purpose.
          { id: 'longest-wait', name: 'Caller waiting over 10 minutes', metric: 'live.longestWaitingMs', window: 'rolling-15m', comparator: '>', fire: 600_000, clear: 500_000, forMs: 0, keepFiringForMs: 0, minVolume: 0, severity: 'critical', routes: ['hook'] },
          { id: 'abandon-high', name: 'Abandon rate over 30 %', metric: 'abandonRate', window: 'rolling-15m', comparator: '>', fire: 0.3, clear: 0.25, forMs: 0, keepFiringForMs: 0, minVolume: 5, severity: 'warning', routes: ['hook'] },
        ],
      }),
    );
    alerter = testAlerter(stack, alerts, rules);
    await alerter.start();
    // The aggregator's tick: one snapshot per queue per second, so the data age stays fresh.
    const publisher = publishSnapshots(stack, views, 1000);
    stopPublishing = () => publisher.stop();
    await waitFor('the snapshots to reach the gateway', () => (gateway.hub.tenantViews(TENANT).length === 3 ? true : undefined), 30_000);
    context = await launchChromium(userDataDir);
  });

  afterAll(async () => {
    await context?.close();
    await stopPublishing?.();
    await alerter?.close();
    await gateway?.close();
    await receiver?.close();
    await stack?.cleanup();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  it('serves the page, refuses traversal, and shows the same numbers as the REST snapshot', async () => {
    const index = await fetch(`${baseUrl}/wallboard`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${baseUrl}/assets/..%2f..%2fpackage.json`)).status).toBe(404);

    const page = await openWallboard('wallboard');
    const res = await fetch(`${baseUrl}/api/v1/tenants/${TENANT}/snapshot`, { headers: { authorization: `Bearer ${await token('wallboard')}` } });
    const { queues } = (await res.json()) as { queues: QueueView[] };
    expect(queues.map((q) => q.queueId).sort()).toEqual(['billing', 'sales', 'support']);
    for (const q of queues) {
      const w = q.windows.find((x) => x.name === 'rolling-15m')!;
      const tile = page.locator(`[data-queue="${q.queueId}"]`);
      const expected = {
        sl: pct(w.primarySlValue),
        callsWaiting: String(q.live.callsWaiting),
        longestWait: mmss(q.live.longestWaitingMs),
        asa: mmss(w.asaMs),
        abandonRate: pct1(w.abandonRate),
        agentsAvailable: String(q.live.agentsAvailable),
        agentsOnCall: String(q.live.agentsOnCall),
        answerRate: pct(w.answerRate),
      };
      const shown: Record<string, string> = {};
      for (const field of Object.keys(expected)) shown[field] = (await tile.locator(`[data-field="${field}"] .sl-value, [data-field="${field}"] .metric-value`).textContent()) ?? '';
      expect(shown, q.queueId).toEqual(expected);
      await expect(tile.locator('.sl-formula').textContent()).resolves.toBe('SL · negative abandon');
    }
    // sales: 37 of 42 outcomes within SL = 88 % ≥ 80 % target → green; billing: 9 / 15 = 60 % → amber.
    expect(await page.locator('[data-queue="sales"]').getAttribute('class')).toContain('tile-green');
    expect(await page.locator('[data-queue="billing"]').getAttribute('class')).toContain('tile-amber');
    const status = page.locator('#status');
    expect(Number(await status.getAttribute('data-age-seconds'))).toBeLessThanOrEqual(10);
    // The sparkline: seeded from GET …/series, one rolling-5m primary SL per minute of the last hour.
    const seriesRes = await fetch(`${baseUrl}/api/v1/tenants/${TENANT}/queues/sales/series?minutes=60&step=60`, { headers: { authorization: `Bearer ${await token('wallboard')}` } });
    const body = (await seriesRes.json()) as { points: { at: string; value: number | null }[]; window: string };
    expect(body.window).toBe('rolling-5m');
    expect(body.points).toHaveLength(60);
    expect(body.points.filter((p) => p.value !== null).length).toBeGreaterThan(50);
    expect(body.points.every((p) => p.value === null || (p.value >= 0 && p.value <= 1))).toBe(true);
    const capped = (await (await fetch(`${baseUrl}/api/v1/tenants/${TENANT}/queues/sales/series?minutes=1440&step=60`, { headers: { authorization: `Bearer ${await token('wallboard')}` } })).json()) as { points: unknown[] };
    expect(capped.points).toHaveLength(120);
    expect(await page.locator('svg.sparkline').count()).toBe(3);
    await expect.poll(async () => ((await page.locator('[data-queue="sales"] svg.sparkline path.line').getAttribute('d')) ?? '').split('L').length, { timeout: 10_000 }).toBeGreaterThan(40);
    expectInsideViewBox(await sparklineBoxes(page));
    // A TV that reloads for weeks must not log an error (a 404 favicon, say) on each load.
    expect(consoleErrors).toEqual([]);
    await shot(page, 'wallboard-tiles');
    await page.close();
  });

  it('shows a banner when a breach fires, and a lead acknowledgement reaches a second wallboard', async () => {
    const lead = await openWallboard('lead', 'lang=en', 'lead-li');
    const tv = await openWallboard('wallboard', 'lang=en&kiosk=1');
    traffic.sales = { answered: 40, withinSl: 16, abandoned: 2, callsWaiting: 14 };
    for (const page of [lead, tv]) await page.locator('.alert:has(.alert-queue:text-is("sales"))').waitFor({ timeout: 30_000 });
    // 16 / 42 = 38 % < 0.6 × 80 % → red.
    await expect.poll(async () => tv.locator('[data-queue="sales"]').getAttribute('class'), { timeout: 10_000 }).toContain('tile-red');
    await shot(tv, 'wallboard-breach');
    expect(await tv.locator('.ack-button').count()).toBe(0);
    expect(await tv.locator('#lang-toggle').isVisible()).toBe(false);

    await lead.locator('.alert:has(.alert-queue:text-is("sales")) .ack-button').click();
    await lead.locator('.alert-ack', { hasText: 'acknowledged by lead-li' }).waitFor({ timeout: 15_000 });
    await tv.locator('.alert-ack', { hasText: 'acknowledged by lead-li' }).waitFor({ timeout: 30_000 });
    await shot(lead, 'wallboard-ack-lead');
    await shot(tv, 'wallboard-ack-second');
    await lead.close();
    await tv.close();
  });

  it('lays 24 queues out on one 1920×1080 screen, big enough to read from across the room', async () => {
    const extra = Array.from({ length: 21 }, (_, i) => `queue-${String(i + 1).padStart(2, '0')}`);
    for (const q of extra) traffic[q] = { answered: 30, withinSl: 26, abandoned: 1, callsWaiting: 2 };
    const page = await context.newPage();
    try {
      await page.setViewportSize({ width: 1920, height: 1080 });
      await page.goto(`${baseUrl}/?lang=en&kiosk=1#token=${await token('wallboard')}`);
      await expect.poll(async () => page.locator('[data-queue]').count(), { timeout: 30_000 }).toBe(24);
      // Measured in one pass: tiles are redrawn on every frame, so element handles go stale.
      const tiles = (await page.evaluate(
        "Array.from(document.querySelectorAll('article.tile')).map((t) => { const r = t.getBoundingClientRect(); return [r.bottom, r.right, parseFloat(getComputedStyle(t.querySelector('.sl-value')).fontSize)]; })",
      )) as [number, number, number][];
      expect(tiles).toHaveLength(24);
      for (const [bottom, right, slFontPx] of tiles) {
        expect(bottom).toBeLessThanOrEqual(1080 + 1);
        expect(right).toBeLessThanOrEqual(1920 + 1);
        // The SL figure stays large even at 24 tiles (a 1080p TV, read from about 5 m).
        expect(slFontPx).toBeGreaterThanOrEqual(36);
      }
      await shot(page, 'wallboard-24-queues');
    } finally {
      await page.close();
      for (const q of extra) delete traffic[q];
    }
  });

  it('switches to zh-CN with the button and with ?lang=zh-CN', async () => {
    const page = await openWallboard('wallboard');
    expect(await page.locator('body').innerText()).toContain('Answer rate');
    await page.locator('#lang-toggle').click();
    await expect.poll(async () => page.locator('body').innerText()).toContain('人工接通率');
    const text = await page.locator('body').innerText();
    for (const label of ['排队数', '最长等待', '放弃率', '空闲坐席', '通话中', '服务水平']) expect(text).toContain(label);
    expect(text).not.toContain('Calls waiting');
    expect(page.url()).toContain('lang=zh-CN');
    await shot(page, 'wallboard-zh-CN');
    await page.close();

    const direct = await openWallboard('wallboard', 'lang=zh-CN');
    expect(await direct.locator('body').innerText()).toContain('人工接通率');
    expect(await direct.locator('html').getAttribute('lang')).toBe('zh-CN');
    await direct.close();
  });
  it('keeps the sparkline inside its box when the gateway clock runs ahead of the TV (issue 8 item 16)', async () => {
    const page = await context.newPage();
    const producer = stack.kafka.producer();
    await producer.connect();
    try {
      await page.goto(`${baseUrl}/?lang=en#token=${await token('wallboard', undefined, SKEW_TENANT)}`);
      await page.locator('#status').waitFor();
      // Two snapshots stamped 3 minutes ahead: the first seeds the sparkline from GET …/series, the second adds a live point.
      const ahead = Date.now() + 3 * 60_000;
      const path = () => page.evaluate("document.querySelector('[data-queue=\"skewed\"] svg.sparkline path.line')?.getAttribute('d') ?? ''") as Promise<string>;
      const publish = async (at: number) => {
        const v = snapshot(SKEW_TENANT, SKEW_QUEUE, at, { answered: 30, withinSl: 27, abandoned: 1, callsWaiting: 1 });
        await producer.send({ topic: stack.topology.kpi.name, messages: [{ key: `${SKEW_TENANT}/${SKEW_QUEUE}`, value: await stack.codec.encode(stack.topology.kpi.name, { ...v }) }] });
      };
      await publish(ahead);
      await expect.poll(async () => (await path()).split('L').length, { timeout: 30_000 }).toBeGreaterThan(40);
      const seeded = await path();
      await publish(ahead + 1000);
      await expect.poll(path, { timeout: 30_000 }).not.toBe(seeded);
      const boxes = await sparklineBoxes(page);
      expect(boxes).toHaveLength(1);
      expectInsideViewBox(boxes);
      await shot(page, 'wallboard-sparkline-skew');
    } finally {
      await producer.disconnect();
      await page.close();
    }
  });

  it('keeps every tile on a 1920×1080 screen with 40 alerts firing, each value in its unit and each rule named, in en and zh-CN (issue 8 item 14)', async () => {
    const extra = Array.from({ length: 21 }, (_, i) => `queue-${String(i + 1).padStart(2, '0')}`);
    for (const q of extra) traffic[q] = { answered: 30, withinSl: 26, abandoned: 1, callsWaiting: 2 };
    // 20 queues breach two rules each: SL 10 / 30 (sl-low, warning) and a caller waiting 12:03 (longest-wait, critical).
    const breached = extra.slice(0, 20);
    for (const q of breached) traffic[q] = { answered: 30, withinSl: 10, abandoned: 0, callsWaiting: 50, longestWaitingMs: 723_000 };
    const firing = async () => (await alerts.list(TENANT)).filter((a) => a.state === 'firing');
    try {
      // Fired before any page connects: the page learns them from REST and the snapshot's rules, not from alert frames.
      await waitFor('40 alerts of the breached queues to fire', async () => {
        const now = await firing();
        return breached.every((q) => ['sl-low', 'longest-wait'].every((r) => now.some((a) => a.queueId === q && a.ruleId === r))) ? true : undefined;
      }, 60_000);
      const firingCount = (await firing()).length;
      expect(firingCount).toBeGreaterThanOrEqual(40);
      const cases = [
        { lang: 'en', name: 'Longest wait', more: (n: number) => `+${n} more` },
        { lang: 'zh-CN', name: '最长等待', more: (n: number) => `另有 ${n} 条` },
      ];
      for (const c of cases) {
        const page = await context.newPage();
        try {
          await page.setViewportSize({ width: 1920, height: 1080 });
          await page.goto(`${baseUrl}/?lang=${c.lang}&kiosk=1#token=${await token('wallboard')}`);
          await expect.poll(async () => page.locator('[data-queue]').count(), { timeout: 30_000 }).toBe(24);
          // The REST alert list arrives in one piece, so once the banner lists some, it holds them all.
          await page.waitForFunction("document.querySelectorAll('#alerts .alert[data-fingerprint]').length >= 6", undefined, { timeout: 30_000 });
          // Measured in one pass: tiles are redrawn on every frame, so element handles go stale.
          const m = (await page.evaluate(`(() => {
            const rect = (e) => { const r = e.getBoundingClientRect(); return { top: r.top, left: r.left, bottom: r.bottom, right: r.right }; };
            return {
              viewport: [window.innerWidth, window.innerHeight],
              banner: rect(document.getElementById('alerts')),
              tiles: Array.from(document.querySelectorAll('article.tile')).map((t) => ({ queue: t.dataset.queue, rect: rect(t), spark: rect(t.querySelector('.spark')), slFontPx: parseFloat(getComputedStyle(t.querySelector('.sl-value')).fontSize) })),
              rows: Array.from(document.querySelectorAll('#alerts .alert[data-fingerprint]')).map((r) => ({ severity: r.className, text: r.innerText.replace(/\\s+/g, ' ') })),
              more: document.querySelector('.alert-more')?.innerText ?? '',
            };
          })()`)) as {
            viewport: [number, number];
            banner: { top: number; bottom: number };
            tiles: { queue: string; rect: { top: number; left: number; bottom: number; right: number }; spark: { bottom: number }; slFontPx: number }[];
            rows: { severity: string; text: string }[];
            more: string;
          };
          // Soft: one run reports every way the screen is wrong, not only the first.
          expect(m.viewport).toEqual([1920, 1080]);
          expect(m.tiles).toHaveLength(24);
          for (const t of m.tiles) {
            expect.soft(t.rect.top, `${c.lang} ${t.queue} under the banner`).toBeGreaterThanOrEqual(m.banner.bottom - 1);
            expect.soft(t.rect.left, t.queue).toBeGreaterThanOrEqual(0);
            expect.soft(t.rect.bottom, `${c.lang} ${t.queue} on screen`).toBeLessThanOrEqual(1080 + 1);
            expect.soft(t.rect.right, t.queue).toBeLessThanOrEqual(1920 + 1);
            // Nothing of the tile is cut off at its bottom edge either: the sparkline, its last part, is inside.
            expect.soft(t.spark.bottom, `${c.lang} ${t.queue} sparkline inside its tile`).toBeLessThanOrEqual(t.rect.bottom + 1);
            expect.soft(t.slFontPx, t.queue).toBeGreaterThanOrEqual(36);
          }
          // The six most severe: the critical longest waits, named and in m:ss, never as a percentage.
          expect.soft(m.rows.length, 'rows listed').toBe(6);
          for (const row of m.rows.slice(0, 6)) {
            expect.soft(row.severity).toContain('alert-critical');
            expect.soft(row.text).toContain(c.name);
            expect.soft(row.text).toContain('12:03');
            expect.soft(row.text).not.toContain('%');
            expect.soft(row.text).not.toContain('longest-wait');
          }
          expect.soft(m.more).toBe(c.more(firingCount - 6));
          await shot(page, `wallboard-40-alerts-${c.lang}`);
        } finally {
          await page.close();
        }
      }
    } finally {
      for (const q of extra) delete traffic[q];
    }
  });
});
