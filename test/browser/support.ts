import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import type { AlertStore } from '@callboard/alerter';
import { createGateway, type Gateway } from '@callboard/gateway';
import { QueueConfig } from '@callboard/queue-config';
import { createMetricsRegistry, type Redis } from '@callboard/runtime';
import type { WindowStore } from '@callboard/windows';
import { TEST_LIMITS } from '../../services/gateway/test/support.js';
import type { TestStack } from '../helpers/infra.js';
import { REPO_ROOT } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

/** Debian's Chromium; scripts/test.sh installs it with apt-get (no browser download). */
export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'screenshots');
const DIST_INDEX = join(REPO_ROOT, 'services', 'gateway', 'wallboard', 'dist', 'index.html');

/** Formats as the wallboard does (services/gateway/wallboard/src/format.ts), written again so the tests check it. */
export const pct = (v: number | null) => (v === null ? '–' : `${Math.round(v * 100)}%`);
export const pct1 = (v: number | null) => (v === null ? '–' : `${(Math.round(v * 1000) / 10).toFixed(1)}%`);
export const mmss = (ms: number | null) => (ms === null ? '–' : `${Math.floor(Math.round(ms / 1000) / 60)}:${String(Math.round(ms / 1000) % 60).padStart(2, '0')}`);

/** Fails (never skips) without Chromium, builds the page when it is not built, and makes the screenshot folder. */
export function prepareBrowserTests(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/test.sh, which installs it with apt-get`);
  mkdirSync(SCREENSHOTS, { recursive: true });
  if (!existsSync(DIST_INDEX)) execFileSync('pnpm', ['--filter', '@callboard/gateway', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
}

/** A headless Chromium at 1920×1080 with the flags that keep it quiet and offline. */
export function launchChromium(userDataDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1920, height: 1080 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A port free right now on 127.0.0.1, for a gateway that must come back on the same one. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface BrowserGatewayOptions {
  stack: TestStack;
  redis: Redis;
  store: WindowStore;
  alerts: AlertStore;
  /** The Redis namespace of the store and the alerts. */
  namespace: string;
  port: number;
  secret: string;
  /** Registry name of its metrics, one per test file. */
  metricsName: string;
  queues?: QueueConfig;
  /** Default `<prefix>gateway`; a gateway that restarts takes a new one each start, as a process does. */
  groupId?: string;
}

/** A gateway on 127.0.0.1:`port` serving the built wallboard, started and ready (its origin is its own URL). */
export async function startBrowserGateway(o: BrowserGatewayOptions): Promise<Gateway> {
  const baseUrl = `http://127.0.0.1:${o.port}`;
  const gateway = createGateway({
    kafka: o.stack.kafka,
    codec: o.stack.codec,
    redis: o.redis,
    store: o.store,
    alerts: o.alerts,
    queues: o.queues ?? QueueConfig.defaults(),
    logger: o.stack.logger,
    metrics: createMetricsRegistry(o.metricsName),
    config: { port: o.port, host: '127.0.0.1', secret: o.secret, origins: [baseUrl], groupId: o.groupId ?? `${o.stack.prefix}gateway`, redisNamespace: o.namespace, limits: TEST_LIMITS },
  });
  await gateway.start();
  await waitFor('the gateway to be ready', () => (gateway.isReady() ? true : undefined), 60_000);
  return gateway;
}
