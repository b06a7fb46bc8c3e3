import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callboard } from '../helpers/cli.js';

/**
 * An empty window is a valid answer (issue 8, item 6): "today" read at the very instant the business
 * day starts covers nothing yet, and `callboard query` answers zero counts instead of refusing it as
 * an "empty or inverted range". An inverted range is still refused.
 */
describe('callboard query on an empty window, against the real Redis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-empty-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const queues = join(dir, 'queues.json');
  // New York, day start 06:00: on 2026-03-08 (a 23 h day) that is 10:00Z.
  writeFileSync(queues, JSON.stringify({ tenants: { 'ny-tenant': { timeZone: 'America/New_York', dayStartHour: 6, queues: { main: {} } } } }));
  const env = { CB_REDIS_NAMESPACE: `t${randomBytes(4).toString('hex')}` };
  const dayStart = '2026-03-08T10:00:00.000Z';

  it('answers "today" at exactly the day start with zero counts over [start, start)', async () => {
    const r = await callboard(['query', '--tenant', 'ny-tenant', '--queue', 'main', '--queues', queues, '--window', 'today', '--at', dayStart, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const [q] = JSON.parse(r.stdout).queues;
    expect(q).toMatchObject({ window: 'today', from: dayStart, to: dayStart, primarySlValue: null, answerRate: null });
    expect(Object.values(q.counts).every((v) => v === 0)).toBe(true);
  });

  it('answers an explicit empty range, even off a bucket boundary, with zero counts', async () => {
    const at = '2026-03-08T10:00:05.000Z';
    const r = await callboard(['query', '--tenant', 'ny-tenant', '--queue', 'main', '--queues', queues, '--from', at, '--to', at, '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const [q] = JSON.parse(r.stdout).queues;
    expect(q).toMatchObject({ window: 'range', from: at, to: at });
    expect(Object.values(q.counts).every((v) => v === 0)).toBe(true);
  });

  it('still refuses an inverted range', async () => {
    const r = await callboard(['query', '--tenant', 'ny-tenant', '--queue', 'main', '--queues', queues, '--from', '2026-03-08T10:00:10Z', '--to', dayStart, '--json'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CB_USAGE.*inverted range/);
  });
});
