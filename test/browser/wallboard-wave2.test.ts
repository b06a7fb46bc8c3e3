import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '@callboard/alerter';
import { issueToken, type Gateway } from '@callboard/gateway';
import { parseEvent, type CanonicalEvent } from '@callboard/events';
import { DEFAULT_QUEUE_KPI_SETTINGS, emptyCounts, type KpiCounts } from '@callboard/kpi';
import type { Redis } from '@callboard/runtime';
import { type KpiView, type QueueView, type TenantView, WINDOW_NAMES, WindowStore, windowKpi } from '@callboard/windows';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { snapshot } from '../helpers/snapshots.js';
import { waitFor } from '../helpers/wait.js';
import { freePort, launchChromium, prepareBrowserTests, SCREENSHOTS, startBrowserGateway } from './support.js';

/**
 * The wallboard's service-quality parts (issue 11 item 5, docs/wallboard.md): campaign tiles, first
 * response on a chat tile, the tenant strip, dashes for null ratios, zh-CN and en. Snapshots are
 * produced to the real cc.kpi.v1 as the aggregator would publish them (the tenant total under
 * `<tenant>/*`); every expected figure below is worked out by hand from the counters.
 */
const SECRET = `wallboard-wave2-${randomBytes(16).toString('hex')}`;
const TENANT = 'tv-quality';
/** A tenant with nothing to divide by: every ratio null, no subscriber count. */
const QUIET = 'tv-quiet';
const MINUTE = 60_000;

const counts = (over: Partial<KpiCounts>): KpiCounts => ({ ...emptyCounts(), ...over });

/** renewals: an outbound campaign, no inbound. */
const RENEWALS = counts({
  outboundAttempts: 240,
  outboundConnected: 151,
  outboundRingMs: 151 * 14_000,
  outboundFailedNoAnswer: 52,
  outboundFailedBusy: 21,
  outboundFailedInvalidNumber: 9,
  outboundFailedRejected: 4,
  outboundFailedOther: 2,
  outboundCompleted: 140,
  outboundSucceeded: 57,
  outboundTalkMs: 140 * 180_000,
  surveys: 12,
  csatResponses: 12,
  csatSatisfied: 9,
  csatSum: 50,
});
/** chat: inbound chats with first responses (target met by 88 of 110). */
const CHAT = counts({
  offered: 120,
  answered: 110,
  answeredWithinSl: 99,
  abandoned: 6,
  abandonedWithinSl: 2,
  abandonedShort: 1,
  waitMsAnswered: 110 * 9_000,
  waitMsAbandoned: 6 * 30_000,
  maxWaitMs: 95_000,
  firstResponses: 110,
  firstResponseMs: 110 * 42_000,
  firstResponsesWithinTarget: 88,
});
/** sales: inbound calls and an outbound campaign on the same queue. */
const SALES = counts({
  offered: 60,
  answered: 55,
  answeredWithinSl: 48,
  abandoned: 3,
  waitMsAnswered: 55 * 12_000,
  waitMsAbandoned: 3 * 40_000,
  outboundAttempts: 40,
  outboundConnected: 22,
  outboundRingMs: 22 * 9_000,
  outboundFailedNoAnswer: 14,
  outboundFailedBusy: 4,
  outboundCompleted: 20,
  outboundSucceeded: 9,
});
/** surveys: a queue with only survey answers and a complaint: still a tile. */
const SURVEYS = counts({ surveys: 5, csatResponses: 5, csatSatisfied: 4, csatSum: 21, complaintsFiled: 1 });
/** The tenant's day: sums of its queues and more (only the strip reads it). */
const TENANT_TODAY = counts({
  offered: 2_520,
  answered: 2_400,
  answeredWithinSl: 2_050,
  abandoned: 90,
  outboundAttempts: 1_900,
  outboundConnected: 1_150,
  outboundSucceeded: 430,
  complaintsFiled: 3,
  csatResponses: 200,
  csatSatisfied: 174,
  csatSum: 860,
  npsResponses: 150,
  npsPromoters: 72,
  npsDetractors: 24,
  fcrContacts: 1_800,
  fcrRepeated: 230,
  fcrPending: 600,
  resolvedKnown: 900,
  resolved: 702,
});

/** The shown figures, worked out by hand from the counters above. */
const EXPECTED = {
  // 151 / 240 = 62.9 %; 57 / 151 = 37.7 %; ring 14 s.
  renewals: { connectRate: '63%', successRate: '38%', outboundAttempts: '240', outboundConnected: '151', outboundSucceeded: '57', avgRing: '0:14' },
  renewalsFailures: { no_answer: '52', busy: '21', invalid_number: '9', rejected: '4', other: '2' },
  // 99 / 116 = 85.3 %; 42 s average; 88 / 110 = 80 %.
  chat: { sl: '85%', firstResponse: '0:42', firstResponseWithinTarget: '80%' },
  // 48 / 58 = 82.8 %; 22 / 40 = 55 %; 9 / 22 = 40.9 %.
  sales: { sl: '83%', connectRate: '55%', successRate: '41%', outboundAttempts: '40' },
  // 3 / 2400 × 10 000 = 12.5; 41 / 250 000 × 10 000 = 1.64; 174 / 200 = 87 %; (72 − 24) / 150 × 100 = +32;
  // (1800 − 230 − 600) / (1800 − 600) = 80.8 %; 702 / 900 = 78 %.
  strip: { complaintsOpen: '7', complaintsOverdue: '2', complaintsPer10k: '12.5', complaintsPer10kSubscribers: '1.64', csatRate: '87%', nps: '+32', fcrRepeatRate: '81%', fcrRate: '78%' },
};

/** A queue's snapshot; `waiting` callers and agents on it when it takes calls (not a campaign or a survey-only queue). */
/**
 * The last hour of the two inbound queues in the store, two calls a minute answered after 6 to 40 s,
 * so their sparklines (seeded from GET …/series) have a line to draw in the screenshot.
 */
function lastHour(nowMs: number): CanonicalEvent[] {
  const events: CanonicalEvent[] = [];
  for (const queueId of ['chat', 'sales']) {
    for (let i = 0; i < 120; i++) {
      const t = nowMs - 61 * MINUTE + i * 30_000;
      const waitMs = 6_000 + ((i * 7 + queueId.length * 5) % 18) * 2_000;
      const base = { tenantId: TENANT, queueId, callId: `${queueId}-${i}` };
      events.push(parseEvent({ ...base, eventId: `${queueId}-${i}-o`, type: 'call.offered', occurredAt: new Date(t).toISOString(), channel: queueId === 'chat' ? 'chat' : 'voice', direction: 'inbound' }));
      events.push(parseEvent({ ...base, eventId: `${queueId}-${i}-a`, type: 'call.answered', occurredAt: new Date(t + waitMs).toISOString(), agentId: 'a1', waitMs }));
    }
  }
  return events.sort((a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt));
}

function queueView(tenantId: string, queueId: string, at: number, c: KpiCounts, waiting = 0): QueueView {
  const v = snapshot(tenantId, queueId, at, { answered: 0, withinSl: 0 });
  v.windows = WINDOW_NAMES.map((name) => windowKpi(name, at - 15 * MINUTE, at, c, 'sl.negativeAbandon'));
  const staffed = c.offered + c.outboundAttempts > 0;
  v.live = { ...v.live, callsWaiting: waiting, longestWaitingMs: waiting > 0 ? waiting * 20_500 : null, agentsAvailable: staffed ? 3 : 0, agentsOnCall: staffed ? 8 : 0, complaintsOpen: 0, complaintsOverdue: 0, oldestOpenComplaintAgeMs: null };
  return v;
}

function tenantView(tenantId: string, at: number, today: KpiCounts, live: { complaintsOpen: number; complaintsOverdue: number; oldestOpenComplaintAgeMs: number | null }, monthToDate: TenantView['monthToDate']): TenantView {
  const v = snapshot(tenantId, 'total', at, { answered: 0, withinSl: 0 });
  return {
    ...v,
    queueId: null,
    planning: null,
    windows: WINDOW_NAMES.map((name) => windowKpi(name, at - 15 * MINUTE, at, name === 'today' ? today : emptyCounts(), 'sl.negativeAbandon')),
    live: { ...v.live, ...live },
    ...(monthToDate ? { monthToDate } : {}),
  };
}

function views(): KpiView[] {
  const at = Date.now();
  return [
    queueView(TENANT, 'chat', at, CHAT, 2),
    queueView(TENANT, 'renewals', at, RENEWALS),
    queueView(TENANT, 'sales', at, SALES, 1),
    queueView(TENANT, 'surveys', at, SURVEYS),
    tenantView(TENANT, at, TENANT_TODAY, { complaintsOpen: 7, complaintsOverdue: 2, oldestOpenComplaintAgeMs: (5 * 60 + 7) * MINUTE + 20_000 }, { month: '2026-12', complaintsFiled: 41, complaintsPer10kSubscribers: (41 / 250_000) * 10_000 }),
    // Attempts, none connected yet: a 0 % connect rate and no success rate (nothing to divide by).
    queueView(QUIET, 'dialer', at, counts({ outboundAttempts: 8, outboundFailedBusy: 3 })),
    tenantView(QUIET, at, emptyCounts(), { complaintsOpen: 0, complaintsOverdue: 0, oldestOpenComplaintAgeMs: null }, { month: '2026-12', complaintsFiled: 0, complaintsPer10kSubscribers: null }),
  ];
}

/** left, top, right, bottom (px). */
type Box = [number, number, number, number];

describe('wallboard service-quality tiles and tenant strip in a real headless Chromium (issue 11)', () => {
  let stack: TestStack;
  let redis: Redis;
  let gateway: Gateway;
  let context: BrowserContext;
  let baseUrl: string;
  let stopped = false;
  let publishing: Promise<void> | undefined;
  const userDataDir = mkdtempSync(join(tmpdir(), 'cb-chromium-'));

  const token = (tenantId = TENANT) => issueToken({ tenantId, role: 'wallboard', ttlSeconds: 600 }, SECRET);

  async function open(query: string, tenantId = TENANT, size = { width: 1920, height: 1080 }): Promise<Page> {
    const page = await context.newPage();
    await page.setViewportSize(size);
    await page.goto(`${baseUrl}/?${query}#token=${await token(tenantId)}`);
    await page.locator('#tenant[data-at]').waitFor({ timeout: 30_000 });
    return page;
  }

  /** Every `[data-field]` value of `selector` in one pass (tiles are redrawn on every frame). */
  async function fields(page: Page, selector: string): Promise<Record<string, string>> {
    return (await page.evaluate(
      `Object.fromEntries(Array.from(document.querySelectorAll(${JSON.stringify(selector)})).map((e) => [e.dataset.field, (e.querySelector('.sl-value, .metric-value, .strip-value') ?? e).textContent]))`,
    )) as Record<string, string>;
  }

  beforeAll(async () => {
    prepareBrowserTests();
    stack = await createTestStack('wallboard-wave2');
    redis = stack.redis();
    await redis.connect();
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const store = new WindowStore(redis, { namespace });
    const past = lastHour(Date.now());
    await store.applyBatch({ group: `${stack.prefix}history`, topic: 'calls', partition: 0, events: past.map((event, i) => ({ offset: String(i), event })), settingsFor: () => DEFAULT_QUEUE_KPI_SETTINGS, nowMs: Date.now() });
    gateway = await startBrowserGateway({ stack, redis, store, alerts: new AlertStore(redis, namespace), namespace, port, secret: SECRET, metricsName: 'wallboard-wave2-test' });
    // The aggregator's tick: every snapshot once a second, the tenant totals keyed `<tenant>/*` (docs/kpi-topic.md).
    const producer = stack.kafka.producer();
    await producer.connect();
    publishing = (async () => {
      while (!stopped) {
        const messages = await Promise.all(views().map(async (v) => ({ key: `${v.tenantId}/${v.queueId ?? '*'}`, value: await stack.codec.encode(stack.topology.kpi.name, { ...v }) })));
        await producer.send({ topic: stack.topology.kpi.name, messages });
        await new Promise((r) => setTimeout(r, 1000));
      }
      await producer.disconnect();
    })();
    await waitFor('the snapshots to reach the gateway', () => (gateway.hub.tenantViews(TENANT).length === 5 && gateway.hub.tenantViews(QUIET).length === 2 ? true : undefined), 30_000);
    context = await launchChromium(userDataDir);
  });

  afterAll(async () => {
    await context?.close();
    stopped = true;
    await publishing;
    await gateway?.close();
    await stack?.cleanup();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  it('shows a campaign tile: connect and success rates, attempts, connected, succeeded, ring time and the failures by reason', async () => {
    const page = await open('lang=en');
    const tile = '[data-queue="renewals"]';
    await page.locator(`${tile}[data-kind="campaign"]`).waitFor();
    const shown = await fields(page, `${tile} [data-field]`);
    expect(shown).toMatchObject(EXPECTED.renewals);
    expect(Object.keys(shown)).not.toContain('sl');
    const failures = (await page.evaluate(`Object.fromEntries(Array.from(document.querySelectorAll('${tile} .failure')).map((e) => [e.dataset.reason, e.querySelector('.failure-value').textContent]))`)) as Record<string, string>;
    expect(failures).toEqual(EXPECTED.renewalsFailures);
    const text = await page.locator(tile).innerText();
    for (const label of ['Connect rate', 'Success rate', 'Attempts', 'Connected', 'Succeeded', 'Not connected', 'no answer', 'busy', 'invalid']) expect(text).toContain(label);
    expect(await page.locator(`${tile} svg.sparkline`).count()).toBe(0);
    await page.close();
  });

  it('shows first response beside the SL of a chat queue, an outbound line under a queue that does both, and a tile for a queue with only surveys', async () => {
    const page = await open('lang=en');
    await page.locator('[data-queue="chat"] [data-field="firstResponse"]').waitFor();
    expect(await fields(page, '[data-queue="chat"] [data-field]')).toMatchObject(EXPECTED.chat);
    expect(await page.locator('[data-queue="chat"]').getAttribute('data-kind')).toBe('inbound');
    expect(await page.locator('[data-queue="chat"]').innerText()).toContain('First response');

    expect(await page.locator('[data-queue="sales"]').getAttribute('data-kind')).toBe('both');
    expect(await fields(page, '[data-queue="sales"] [data-field]')).toMatchObject(EXPECTED.sales);
    // No first responses on sales: no first-response figures.
    expect(await page.locator('[data-queue="sales"] [data-field="firstResponse"]').count()).toBe(0);

    // surveys: no calls at all, an SL tile of dashes (never 0 %).
    const surveys = await fields(page, '[data-queue="surveys"] [data-field]');
    expect(surveys).toMatchObject({ sl: '–', asa: '–', abandonRate: '–', answerRate: '–' });
    await page.close();
  });

  it('shows the tenant strip from the tenant total, never as a tile, with overdue complaints in red', async () => {
    const page = await open('lang=en');
    expect(await page.locator('[data-queue]').count()).toBe(4);
    expect(await page.locator('article.tile').count()).toBe(4);
    const strip = await fields(page, '#tenant [data-field]');
    expect(strip).toMatchObject({ ...EXPECTED.strip, oldestOpenComplaint: '5 h 07 min' });
    expect(await page.locator('#tenant [data-field="complaintsOverdue"]').getAttribute('class')).toContain('strip-alarm');
    expect(await page.locator('#tenant [data-field="complaintsOpen"]').getAttribute('class')).not.toContain('strip-alarm');
    expect(await page.evaluate("getComputedStyle(document.querySelector('#tenant [data-field=\"complaintsOverdue\"] .strip-value')).color")).toBe('rgb(255, 107, 107)');
    expect(await page.locator('#tenant [data-field="fcrRepeatRate"] .strip-note').innerText()).toBe('600 pending');
    const text = await page.locator('#tenant').innerText();
    for (const label of ['Open complaints', 'Overdue', 'Oldest open', 'Complaints / 10k', 'Per 10k subscribers, month', 'CSAT', 'NPS', 'FCR · no repeat', 'FCR · agent-marked']) expect(text).toContain(label);
    await page.close();
  });

  it('shows a dash, never 0 %, for every null ratio, hides the per-subscriber figure without a count, and no alarm without overdue complaints', async () => {
    const page = await open('lang=en', QUIET);
    await page.locator('[data-queue="dialer"][data-kind="campaign"]').waitFor();
    // 0 of 8 connected is a real 0 %; the success rate has nothing to divide by.
    expect(await fields(page, '[data-queue="dialer"] [data-field]')).toMatchObject({ connectRate: '0%', successRate: '–', outboundConnected: '0', avgRing: '–' });
    const strip = await fields(page, '#tenant [data-field]');
    expect(strip).toEqual({ complaintsOpen: '0', complaintsOverdue: '0', oldestOpenComplaint: '–', complaintsPer10k: '–', csatRate: '–', nps: '–', fcrRepeatRate: '–', fcrRate: '–' });
    expect(await page.locator('#tenant .strip-alarm').count()).toBe(0);
    expect(await page.locator('#tenant').innerText()).not.toContain('%');
    await page.close();
  });

  it('labels the tiles and the strip in zh-CN, and takes the service-quality screenshot (docs/wallboard-service-quality.png)', async () => {
    const page = await open('lang=zh-CN&kiosk=1', TENANT, { width: 1600, height: 900 });
    await page.locator('[data-queue="chat"] [data-field="firstResponse"]').waitFor();
    // The sparklines seeded from the last hour in the store: a line of many points on both inbound tiles.
    await page.waitForFunction("['chat', 'sales'].every((q) => (document.querySelector('[data-queue=\"' + q + '\"] svg.sparkline path.line')?.getAttribute('d') ?? '').split('L').length > 30)", undefined, { timeout: 30_000 });
    const text = await page.locator('body').innerText();
    for (const label of ['外呼接通率', '外呼成功率', '呼出', '接通', '成功', '未接通', '无应答', '忙线', '空号', '拒接', '首次响应', '达标率', '未结投诉', '超时未响应', '最久未结', '投诉率/万', '满意度', 'NPS', '一次性解决率', '待定 600', '5小时07分钟']) expect(text).toContain(label);
    for (const english of ['Connect rate', 'Open complaints', 'pending', 'First response', 'Attempts']) expect(text).not.toContain(english);
    // Nothing is cut off: every tile, the strip and the figures in them lie inside the 1600×900 screen and their tile.
    const m = (await page.evaluate(`(() => {
      const r = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
      return {
        strip: r(document.getElementById('tenant')),
        tiles: Array.from(document.querySelectorAll('article.tile')).map((t) => ({ queue: t.dataset.queue, box: r(t), parts: Array.from(t.querySelectorAll('[data-field], .failures, .spark')).map((p) => ({ field: p.dataset.field ?? p.className, box: r(p), overflow: p.scrollWidth > p.clientWidth + 1 })) })),
      };
    })()`)) as { strip: Box; tiles: { queue: string; box: Box; parts: { field: string; box: Box; overflow: boolean }[] }[] };
    expect(m.strip[3]).toBeLessThan(900);
    for (const t of m.tiles) {
      expect.soft(t.box[2], t.queue).toBeLessThanOrEqual(1600 + 1);
      expect.soft(t.box[3], t.queue).toBeLessThanOrEqual(900 + 1);
      for (const p of t.parts) {
        expect.soft(p.box[2], `${t.queue} ${p.field} right`).toBeLessThanOrEqual(t.box[2] + 1);
        expect.soft(p.box[3], `${t.queue} ${p.field} bottom`).toBeLessThanOrEqual(t.box[3] + 1);
        expect.soft(p.overflow, `${t.queue} ${p.field} overflows`).toBe(false);
      }
    }
    // docs/wallboard-service-quality.png is a copy of this one.
    await page.screenshot({ path: join(SCREENSHOTS, 'wallboard-service-quality.png') });
    await page.close();
  });
});
