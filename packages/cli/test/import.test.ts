import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonLine, type CanonicalEvent } from '@callboard/events';
import { encodeName } from '@callboard/ingest-asterisk';
import { disagreements, queueLogStats, type KpiQueueJson } from '../../../test/helpers/asterisk-stats.js';
import { callboard } from '../../../test/helpers/cli.js';
import { EDGE, MAPPER_DIR, queueLogsUnder } from './import-fixtures.js';

/**
 * Issue 10 item 4 and acceptance 1, offline: `callboard import asterisk --out`, then `callboard kpi`
 * over what it wrote, against the independent count of test/helpers/asterisk-stats.ts (which never
 * uses the mapper) and against what app_queue's own counters would say.
 */
const TENANT = 'edge-co';

const dir = mkdtempSync(join(tmpdir(), 'cb-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function importTo(input: string, out: string, extra: string[] = [], env: Record<string, string> = {}) {
  return callboard(['import', 'asterisk', '--input', input, '--tenant', TENANT, '--server-id', 'pbx1', '--out', out, ...extra], env);
}

function readEvents(path: string): CanonicalEvent[] {
  return readFileSync(path, 'utf8').trimEnd().split('\n').map((raw, i) => {
    const line = parseJsonLine(raw, i + 1);
    if (!line?.ok) throw new Error(`${path}:${i + 1} is not a valid event: ${raw}`);
    return line.event;
  });
}

async function kpiOf(file: string): Promise<KpiQueueJson[]> {
  const kpi = await callboard(['kpi', '--input', file, '--json']);
  expect(kpi.code, kpi.stderr).toBe(0);
  return (JSON.parse(kpi.stdout) as { queues: (KpiQueueJson & { tenantId: string })[] }).queues.filter((q) => q.tenantId === TENANT);
}

describe('callboard import asterisk', () => {
  it('the independent count of the edge-case file is the hand count', () => {
    const stats = queueLogStats(readFileSync(EDGE, 'utf8'));
    expect(stats).toMatchObject({ lines: 46, duplicateLines: 3, invalidLines: [33, 42] });
    const support = stats.queues.get('support')!;
    expect(support.callboard).toEqual({
      offered: 9, answered: 4, abandoned: 3, flowedOut: 1, answeredWithinSl: 3, abandonedWithinSl: 2, abandonedShort: 1,
      completed: 3, transferred: 0, talkMs: 460_000, waitMsAnswered: 73_000, waitMsAbandoned: 68_000, maxWaitMs: 60_000,
    });
    expect(support.asterisk).toEqual({ completed: 3, completedInSl: 2, abandoned: 4, abandonedInSl: 2, sl: 200 / 3, sl2: 400 / 7 });
    expect(support).toMatchObject({ stillConnected: 1, stillConnectedInSl: 1, stillWaiting: 1, exitWithKey: 0, exitsInSl: 0 });
    expect(stats.queues.get('sales')!.callboard).toMatchObject({ offered: 2, answered: 2, answeredWithinSl: 2, completed: 2, transferred: 2, talkMs: 285_000 });
    expect(stats.queues.get('sales')!.asterisk).toEqual({ completed: 2, completedInSl: 2, abandoned: 0, abandonedInSl: 0, sl: 100, sl2: 100 });
    expect(stats.queues.get('Sales EN')!.asterisk).toEqual({ completed: 0, completedInSl: 0, abandoned: 1, abandonedInSl: 1, sl: null, sl2: 100 });
    expect(stats.queues.get('Sales EN')).toMatchObject({ exitWithKey: 1, exitsInSl: 1 });
  });

  it('--out: valid events in time order, counts on stderr, bad lines by file:line, exit 1; kpi equals the independent count and app_queue', async () => {
    const out = join(dir, 'edge.jsonl');
    const r = await importTo(EDGE, out);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`^${EDGE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:33: CB_ASTERISK_LINE_INVALID: `, 'm'));
    expect(r.stderr).toMatch(/:42: CB_ASTERISK_LINE_INVALID: /);
    expect(r.stderr).toMatch(/^import: 46 line\(s\) read$/m);
    expect(r.stderr).toMatch(/^import: 2 invalid line\(s\): 33, 42$/m);
    expect(r.stderr).toMatch(/^import: skipped: .*\bRINGNOANSWER=3\b/m);
    expect(r.stderr).toMatch(/^import: skipped: .*\bCONFIGRELOAD=1\b/m);
    const events = readEvents(out);
    const byType: Record<string, number> = {};
    for (const e of events) byType[e.type] = (byType[e.type] ?? 0) + 1;
    const total = events.length;
    expect(r.stderr).toContain(`import: ${total} event(s) to ${out}: ${Object.entries(byType).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}=${n}`).join(' ')}\n`);
    const times = events.map((e) => Date.parse(e.occurredAt));
    // In time order except the two lines written again later (duplicates, so their place does not matter).
    const backwards = times.filter((t, i) => i > 0 && t < times[i - 1]!).length;
    expect(backwards).toBeLessThanOrEqual(2);
    expect(events.every((e) => e.tenantId === TENANT)).toBe(true);
    expect(new Set(events.filter((e) => 'queueId' in e).map((e) => (e as { queueId: string }).queueId))).toEqual(new Set(['support', 'sales', 'Sales_20EN']));

    const stats = queueLogStats(readFileSync(EDGE, 'utf8'));
    expect(disagreements(await kpiOf(out), stats, encodeName)).toEqual([]);
  });

  it('--wrap-up-ms: completions carry it, and the wrap-up ends placed ahead of their line still go out in time order', async () => {
    const out = join(dir, 'wrap.jsonl');
    expect((await importTo(EDGE, out, ['--wrap-up-ms', '30000'])).code).toBe(1);
    const events = readEvents(out);
    const completed = events.filter((e) => e.type === 'call.completed');
    expect(completed.map((e) => (e as { wrapMs: number }).wrapMs)).toEqual([30_000, 30_000, 30_000, 30_000, 30_000]);
    // Each completion's agent becomes available 30 s later, after events of other calls in between
    // (c1 ends 09:02:18, c5 times out at 09:02:40, c1's agent is free at 09:02:48): in order anyway.
    const times = events.map((e) => Date.parse(e.occurredAt));
    expect(times.filter((t, i) => i > 0 && t < times[i - 1]!).length).toBeLessThanOrEqual(2);
    const freed = events.findIndex((e) => e.type === 'agent.state_changed' && e.state === 'available' && e.occurredAt === '2026-11-30T09:02:48.000Z');
    const timedOut = events.findIndex((e) => e.type === 'call.flowed_out' && e.occurredAt === '2026-11-30T09:02:40.000Z');
    expect(timedOut).toBeGreaterThan(0);
    expect(freed).toBeGreaterThan(timedOut);
    const support = (await kpiOf(out)).find((q) => q.queueId === 'support')!;
    expect(support.counts.wrapMs).toBe(3 * 30_000);
  });

  it('CRLF line ends and no final newline give the same bytes, and so does a second import', async () => {
    const text = readFileSync(EDGE, 'utf8');
    const crlf = join(dir, 'crlf.queue_log');
    writeFileSync(crlf, text.trimEnd().split('\n').join('\r\n'));
    const [a, b, c] = [join(dir, 'a.jsonl'), join(dir, 'b.jsonl'), join(dir, 'c.jsonl')];
    for (const [input, out] of [[EDGE, a], [crlf, b], [EDGE, c]] as const) expect((await importTo(input, out)).code).toBe(1);
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    expect(readFileSync(c).equals(readFileSync(a))).toBe(true);
  });

  it('every queue_log fixture and sample of packages/ingest-asterisk: kpi equals the independent count', async () => {
    const files = queueLogsUnder(MAPPER_DIR);
    expect(files.length, `queue_log files under ${MAPPER_DIR}`).toBeGreaterThan(0);
    for (const file of files) {
      const out = join(dir, `fixture-${files.indexOf(file)}.jsonl`);
      const r = await importTo(file, out);
      const stats = queueLogStats(readFileSync(file, 'utf8'));
      expect(r.code, `${file}: ${r.stderr}`).toBe(stats.invalidLines.length > 0 ? 1 : 0);
      expect(disagreements(await kpiOf(out), stats, encodeName), file).toEqual([]);
    }
  });

  it('never prints the caller-key secret or a caller number', async () => {
    const secret = 'import-test-secret-7f3a91';
    const out = join(dir, 'keyed.jsonl');
    const r = await importTo(EDGE, out, [], { CB_ASTERISK_CALLER_KEY_SECRET: secret });
    expect(r.code).toBe(1);
    for (const text of [r.stdout, r.stderr, readFileSync(out, 'utf8')]) {
      expect(text).not.toContain(secret);
      expect(text).not.toMatch(/555\d{4}/);
    }
  });

  it('refuses wrong usage with CB_USAGE and exit code 2, before writing anything', async () => {
    const out = join(dir, 'never.jsonl');
    const cases: [string[], RegExp][] = [
      [['import'], /name the source/],
      [['import', 'freeswitch', '--input', EDGE, '--tenant', TENANT, '--out', out], /name the source/],
      [['import', 'asterisk', '--tenant', TENANT, '--out', out], /--input is required/],
      [['import', 'asterisk', '--input', join(dir, 'missing.log'), '--tenant', TENANT, '--out', out], /--input .*missing\.log: no such file/],
      [['import', 'asterisk', '--input', EDGE, '--out', out], /--tenant is required/],
      [['import', 'asterisk', '--input', EDGE, '--tenant', 'not a tenant', '--out', out], /--tenant must match/],
      [['import', 'asterisk', '--input', EDGE, '--tenant', TENANT, '--server-id', 'a/b', '--out', out], /--server-id must match/],
      [['import', 'asterisk', '--input', EDGE, '--tenant', TENANT], /exactly one of --out/],
      [['import', 'asterisk', '--input', EDGE, '--tenant', TENANT, '--out', out, '--kafka'], /exactly one of --out/],
      [['import', 'asterisk', '--input', EDGE, '--tenant', TENANT, '--out', EDGE], /must not be the --input/],
      [['import', 'asterisk', '--input', EDGE, '--tenant', TENANT, '--out', join(dir, 'no-dir', 'x.jsonl')], /--out .*no such directory/],
      [['import', 'asterisk', '--input', EDGE, '--tenant', TENANT, '--out', out, '--wrap-up-ms', '2.5'], /--wrap-up-ms must be an integer/],
      [['import', 'asterisk', '--input', EDGE, '--tenant', TENANT, '--out', out, '--queues-map', EDGE], /--queues-map .*not JSON/],
      [['import', 'asterisk', '--input', EDGE, '--tenant', TENANT, '--out', out, '--speed', '2'], /Unknown option/],
    ];
    for (const [args, message] of cases) {
      const r = await callboard(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/callboard import: CB_USAGE: /);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(statSync(out, { throwIfNoEntry: false })).toBeUndefined();
    const help = await callboard(['import', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^callboard import asterisk --input FILE --tenant T/);
  });
});
