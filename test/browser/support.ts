import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { REPO_ROOT } from '../helpers/pipeline.js';

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
