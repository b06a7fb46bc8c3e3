import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Aggregator } from '@callboard/aggregator';
import { AlertStore } from '@callboard/alerter';
import { parseEvent } from '@callboard/events';
import { issueToken, type Gateway } from '@callboard/gateway';
import { QueueConfig } from '@callboard/queue-config';
import { type Redis, sendByPartition, type SourceHeartbeat, startSourceHeartbeat } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { testAggregator } from '../helpers/pipeline.js';
import { freePort, launchChromium, prepareBrowserTests, SCREENSHOTS, startBrowserGateway } from './support.js';

const SECRET = `wallboard-sources-${randomBytes(16).toString('hex')}`;
const TENANT = 'sources-co';
const PBX = 'asterisk:pbx1';
const CRM = 'http:crm';

/**
 * Acceptance 4 of issue 10 in a real Chromium: sources with heartbeats through Kafka, the aggregator
 * and the gateway; one goes silent and its chip shows STALE while the other stays fresh; then both
 * are silent and the data age stops claiming freshness, although snapshots keep ticking. Time moves
 * through the aggregator's clock seam, not by waiting a minute.
 */
describe('the wallboard shows each source, and STALE for a silent one', () => {
  let stack: TestStack;
  let redis: Redis;
  let producer: Producer;
  let aggregator: Aggregator;
  let gateway: Gateway;
  let context: BrowserContext;
  let baseUrl: string;
  let skewMs = 0;
  const clock = () => Date.now() + skewMs;
  const beats = new Map<string, SourceHeartbeat>();
  const userDataDir = mkdtempSync(join(tmpdir(), 'cb-chromium-sources-'));

  beforeAll(async () => {
    prepareBrowserTests();
    stack = await createTestStack('wallboard-sources');
    redis = stack.redis();
    await redis.connect();
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const store = new WindowStore(redis, { namespace });
    aggregator = testAggregator(stack, store, { queues: QueueConfig.defaults(), snapshotIntervalMs: 250, now: clock });
    await aggregator.start();
    producer = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    for (const source of [PBX, CRM]) {
      const hb = await startSourceHeartbeat({ producer, codec: stack.codec, logger: stack.logger, tenantId: TENANT, source, intervalMs: 300, now: clock });
      beats.set(source, hb);
      const occurredAt = new Date(clock() - 3_000).toISOString();
      const event = parseEvent({ eventId: `src-${source}-${randomBytes(3).toString('hex')}`, type: 'call.offered', occurredAt, tenantId: TENANT, source, callId: `c-${source}`, queueId: 'support', channel: 'voice', direction: 'inbound' });
      const record = await stack.codec.encodeEvent(event);
      await sendByPartition(producer, stack.topology, record.topic, [{ key: record.key, value: record.value }]);
      hb.noteEvent(Date.parse(occurredAt));
    }
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    gateway = await startBrowserGateway({ stack, redis, store, alerts: new AlertStore(redis, namespace), namespace, port, secret: SECRET, metricsName: 'wallboard-sources-test' });
    context = await launchChromium(userDataDir);
  });

  afterAll(async () => {
    await context?.close();
    for (const hb of beats.values()) await hb.stop();
    await gateway?.close();
    await aggregator?.close();
    await producer?.disconnect();
    await stack?.cleanup();
    rmSync(userDataDir, { recursive: true, force: true });
  });

  async function openWallboard(): Promise<Page> {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/?lang=en#token=${await issueToken({ tenantId: TENANT, role: 'wallboard', ttlSeconds: 600 }, SECRET)}`);
    return page;
  }

  const chip = (source: string, attr: string) => `document.querySelector('#sources [data-source="${source}"]')?.dataset.${attr}`;

  it('fresh sources with their ages; one silent: STALE on it alone; all silent: the data age says so', async () => {
    const page = await openWallboard();
    try {
      await page.waitForFunction(`${chip(PBX, 'stale')} === 'false' && ${chip(CRM, 'stale')} === 'false'`, undefined, { timeout: 30_000 });
      expect(await page.textContent(`#sources [data-source="${PBX}"] .source-age`)).toMatch(/^newest event \d+s ago$/);
      expect(await page.locator('#sources .source-badge').count()).toBe(0);

      // The PBX adapter dies; 61 s pass on the aggregator's clock while the CRM keeps beating.
      await beats.get(PBX)!.stop();
      beats.delete(PBX);
      skewMs += 61_000;
      // The CRM's next heartbeat carries the moved clock too; until it lands, its last one also looks 61 s old.
      await page.waitForFunction(`${chip(PBX, 'stale')} === 'true' && ${chip(CRM, 'stale')} === 'false'`, undefined, { timeout: 30_000 });
      expect(await page.textContent(`#sources [data-source="${PBX}"] .source-badge`)).toBe('STALE');
      expect(await page.evaluate(chip(PBX, 'reason'))).toBe('heartbeat-silent');
      // Its newest event is shown as old as it is, not refreshed by the ticking snapshots.
      expect(await page.textContent(`#sources [data-source="${PBX}"] .source-age`)).toMatch(/^newest event 1m \d\ds ago$/);
      expect(await page.evaluate("document.getElementById('status')?.dataset.sourcesStale")).toBe('false');
      await page.screenshot({ path: join(SCREENSHOTS, 'wallboard-source-stale.png') });

      // The CRM stops too: every source silent. Snapshots still tick, yet the data age no longer says "1 s old".
      await beats.get(CRM)!.stop();
      beats.delete(CRM);
      skewMs += 61_000;
      await page.waitForFunction("document.getElementById('status')?.dataset.sourcesStale === 'true'", undefined, { timeout: 30_000 });
      expect(await page.evaluate("document.getElementById('status')?.dataset.level")).toBe('red');
      expect(await page.textContent('#status')).toBe('every source silent: KPIs are not live');
      expect(await page.locator('#sources .source-badge').count()).toBe(2);
      await page.screenshot({ path: join(SCREENSHOTS, 'wallboard-all-sources-stale.png') });
    } finally {
      await page.close();
    }
  }, 120_000);
});
