import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Aggregator } from '@callboard/aggregator';
import { AlertStore } from '@callboard/alerter';
import { issueToken, type Gateway } from '@callboard/gateway';
import { type Redis, type SourceHeartbeat, startSourceHeartbeat } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { childEnv, produceSimulatedRun, queueConfig, QUEUES_FILE, REPO_ROOT, testAggregator, waitUntilConsumed } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';
import { freePort, launchChromium, mmss, pct, pct1, prepareBrowserTests, SCREENSHOTS, startBrowserGateway } from './support.js';

const run = promisify(execFile);
const SECRET = `wallboard-real-${randomBytes(16).toString('hex')}`;
/** The simulator's first tenant (services/simulator/config/default.json). */
const TENANT = 'acme-telecom';
const FIELDS = ['sl', 'callsWaiting', 'longestWait', 'asa', 'abandonRate', 'agentsAvailable', 'agentsOnCall', 'answerRate'] as const;

interface ShownTile {
  queue: string;
  at: string;
  values: Record<(typeof FIELDS)[number], string>;
}

/** What `callboard query --json` prints for one queue (packages/cli/src/commands/query.ts). */
interface QueryRow {
  queueId: string;
  primarySlValue: number | null;
  asaMs: number | null;
  abandonRate: number | null;
  answerRate: number | null;
  live: { callsWaiting: number; longestWaitingMs: number | null; agentsAvailable: number; agentsOnCall: number };
}

/**
 * Issue 8 item 19: one browser test runs the whole real path, simulator → Kafka → aggregator →
 * gateway → Chromium, and holds the tiles against `callboard query`; then it stops the gateway
 * (the data age turns amber, then red) and starts one again on the same port (fresh data, no reload).
 */
describe('the wallboard through the real path', () => {
  let stack: TestStack;
  let redis: Redis;
  let aggregator: Aggregator;
  let gateway: Gateway | undefined;
  let context: BrowserContext;
  let baseUrl: string;
  let port: number;
  let namespace: string;
  let store: WindowStore;
  let alerts: AlertStore;
  let consumedAt: number;
  let heartbeat: SourceHeartbeat | undefined;
  const userDataDir = mkdtempSync(join(tmpdir(), 'cb-chromium-real-'));

  async function startGateway(): Promise<Gateway> {
    // A new group each start, as a gateway process gets by default (CB_GATEWAY_GROUP unset).
    const groupId = `${stack.prefix}gateway-${randomBytes(4).toString('hex')}`;
    return startBrowserGateway({ stack, redis, store, alerts, namespace, port, secret: SECRET, queues: queueConfig, metricsName: 'wallboard-real-test', groupId });
  }

  async function openWallboard(query: string): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/?${query}#token=${await issueToken({ tenantId: TENANT, role: 'wallboard', ttlSeconds: 600 }, SECRET)}`);
    return page;
  }

  /** `callboard query` as a user runs it, against this test's topics, queue file and Redis namespace. */
  async function callboardQuery(at: string): Promise<QueryRow[]> {
    const env = childEnv({ CB_TOPIC_PREFIX: stack.prefix, CB_QUEUES_FILE: QUEUES_FILE, CB_REDIS_NAMESPACE: namespace });
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'query', '--tenant', TENANT, '--window', 'rolling-15m', '--at', at, '--json'], { cwd: REPO_ROOT, env, maxBuffer: 16 * 1024 * 1024 });
    return (JSON.parse(stdout) as { queues: QueryRow[] }).queues;
  }

  beforeAll(async () => {
    prepareBrowserTests();
    stack = await createTestStack('wallboard-real');
    redis = stack.redis();
    await redis.connect();
    namespace = `t${randomBytes(4).toString('hex')}`;
    store = new WindowStore(redis, { namespace });
    alerts = new AlertStore(redis, namespace);
    aggregator = testAggregator(stack, store);
    await aggregator.start();
    // The last 10 simulated minutes, produced as fast as the simulator goes; then the event flow stops
    // and the aggregator keeps publishing a snapshot a second of a state that no longer changes.
    const nowMs = Date.now();
    await produceSimulatedRun(stack, { seed: 19, start: nowMs - 10 * 60_000, durationMs: 10 * 60_000 - 5_000 });
    await waitUntilConsumed(stack, `${stack.prefix}agg`);
    consumedAt = Date.now();
    // The simulator's feed stays alive, as `callboard run simulator` keeps beating after its traffic
    // (issue 10 item 5): without heartbeats its source turns stale a minute after the last event, and
    // the data age would rightly say every source is silent.
    heartbeat = await startSourceHeartbeat({ kafka: stack.kafka, codec: stack.codec, logger: stack.logger, tenantId: TENANT, source: 'simulator', intervalMs: 2_000 });
    port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    gateway = await startGateway();
    context = await launchChromium(userDataDir);
  });

  afterAll(async () => {
    await context?.close();
    await heartbeat?.stop();
    await gateway?.close();
    await aggregator?.close();
    await stack?.cleanup();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  it('shows on every tile what callboard query reads for the same queue, window and instant', async () => {
    const page = await openWallboard('lang=en');
    try {
      const queues = await waitFor('snapshots of the simulated queues at the gateway', () => {
        // The tenant total (queueId null) is the strip, not a tile.
        const queues = gateway!.hub.tenantViews(TENANT).flatMap((v) => (v.queueId == null ? [] : [v.queueId]));
        return queues.length >= 3 ? queues : undefined;
      }, 30_000);
      // A tile is final once it shows a snapshot taken after the aggregator had applied every event.
      await page.waitForFunction(`${JSON.stringify(queues)}.every((q) => Date.parse(document.querySelector('[data-queue="' + q + '"]')?.getAttribute('data-at') ?? '') > ${consumedAt + 1000})`, undefined, { timeout: 30_000 });
      const tiles = (await page.evaluate(`Array.from(document.querySelectorAll('article.tile')).map((t) => ({
        queue: t.dataset.queue,
        at: t.dataset.at,
        values: Object.fromEntries(${JSON.stringify(FIELDS)}.map((f) => [f, t.querySelector('[data-field="' + f + '"] .sl-value, [data-field="' + f + '"] .metric-value').textContent])),
      }))`)) as ShownTile[];
      expect(tiles.map((t) => t.queue).sort()).toEqual([...queues].sort());
      await page.screenshot({ path: join(SCREENSHOTS, 'wallboard-real-path.png') });
      const byAt = new Map<string, ShownTile[]>();
      for (const t of tiles) byAt.set(t.at, [...(byAt.get(t.at) ?? []), t]);
      let offered = 0;
      for (const [at, group] of byAt) {
        const before = Date.now();
        const rows = await callboardQuery(at);
        const after = Date.now();
        for (const tile of group) {
          const row = rows.find((r) => r.queueId === tile.queue);
          expect(row, tile.queue).toBeDefined();
          const { longestWait, ...shown } = tile.values;
          expect(shown, `${tile.queue} at ${at}`).toEqual({
            sl: pct(row!.primarySlValue),
            callsWaiting: String(row!.live.callsWaiting),
            asa: mmss(row!.asaMs),
            abandonRate: pct1(row!.abandonRate),
            agentsAvailable: String(row!.live.agentsAvailable),
            agentsOnCall: String(row!.live.agentsOnCall),
            answerRate: pct(row!.answerRate),
          });
          // The longest wait grows with the clock: the CLI read it between `before` and `after`, the tile at `at`.
          const cliMs = row!.live.longestWaitingMs;
          if (cliMs === null) expect(longestWait, tile.queue).toBe('–');
          else {
            const [m, s] = longestWait.split(':').map(Number) as [number, number];
            const tileS = m * 60 + s;
            const tileAt = Date.parse(at);
            expect(tileS, `${tile.queue} longest wait`).toBeGreaterThanOrEqual(Math.floor((cliMs - (after - tileAt)) / 1000) - 1);
            expect(tileS, `${tile.queue} longest wait`).toBeLessThanOrEqual(Math.ceil((cliMs - (before - tileAt)) / 1000) + 1);
          }
          offered += row!.primarySlValue === null ? 0 : 1;
        }
      }
      // The comparison is about real traffic, not empty tiles.
      expect(offered).toBeGreaterThanOrEqual(2);
    } finally {
      await page.close();
    }
  }, 120_000);

  it('turns the data age amber, then red, while the gateway is down, and shows fresh data from a new gateway without a reload', async () => {
    const page = await openWallboard('lang=en&staleAmber=3&staleRed=6');
    try {
      await page.waitForFunction("document.getElementById('status')?.dataset.level === 'ok' && document.querySelectorAll('article.tile').length > 0", undefined, { timeout: 30_000 });
      let navigations = 0;
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) navigations += 1;
      });
      await page.evaluate('window.__sameDocument = true');

      await gateway!.close();
      gateway = undefined;
      await page.waitForFunction("document.getElementById('status')?.dataset.level === 'amber'", undefined, { timeout: 30_000 });
      await page.screenshot({ path: join(SCREENSHOTS, 'wallboard-stale-amber.png') });
      await page.waitForFunction("document.getElementById('status')?.dataset.level === 'red'", undefined, { timeout: 30_000 });
      await page.screenshot({ path: join(SCREENSHOTS, 'wallboard-stale-red.png') });
      // Beside the age, the link state says why the data stopped.
      expect(await page.evaluate("document.getElementById('link')?.dataset.state")).toBe('reconnecting');

      const restartedAt = Date.now();
      gateway = await startGateway();
      await page.waitForFunction(
        `document.getElementById('status')?.dataset.level === 'ok' && document.getElementById('link')?.hidden === true &&
         Array.from(document.querySelectorAll('article.tile')).every((t) => Date.parse(t.dataset.at ?? '') > ${restartedAt})`,
        undefined,
        { timeout: 60_000 },
      );
      expect(navigations).toBe(0);
      expect(await page.evaluate('window.__sameDocument === true')).toBe(true);
      await page.screenshot({ path: join(SCREENSHOTS, 'wallboard-reconnected.png') });
    } finally {
      await page.close();
    }
  }, 180_000);
});
