import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '@callboard/events';
import { queueLogStats, type QueueLogStats } from '../../../test/helpers/asterisk-stats.js';
import { callboard } from '../../../test/helpers/cli.js';
import { createTestStack } from '../../../test/helpers/infra.js';
import { AsteriskSummary, formatQueueSummary, type QueueSummary } from '../src/asterisk-summary.js';
import type { ImportSummary } from '../src/commands/import.js';
import { EDGE, MAPPER_DIR, queueLogsUnder } from './import-fixtures.js';

/**
 * `callboard import asterisk`'s per-queue summary in app_queue's terms (C, A, SL, SL2 within
 * servicelevel), computed from the canonical events, against the independent count of
 * test/helpers/asterisk-stats.ts, which reads the queue_log text and shares no code with the mapper
 * or with packages/cli/src/asterisk-summary.ts.
 */
const SAMPLE = join(MAPPER_DIR, 'samples', 'queue_log.sample');
const TENANT = 'edge-co';

const dir = mkdtempSync(join(tmpdir(), 'cb-import-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function importSummary(input: string, extra: string[] = [], env: Record<string, string> = {}) {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}.jsonl`);
  const r = await callboard(['import', 'asterisk', '--input', input, '--tenant', TENANT, '--server-id', 'pbx1', '--out', out, '--summary', 'json', ...extra], env);
  expect(r.code === 0 || r.code === 1, r.stderr).toBe(true);
  return { ...r, out, summary: JSON.parse(r.stdout) as ImportSummary };
}

/** The summary's figures of every queue equal the independent count's (app_queue's and callboard's). */
function expectAgrees(summary: ImportSummary, stats: QueueLogStats, label: string): void {
  expect(summary.queues.map((q) => q.queue).sort(), label).toEqual([...stats.queues.keys()].sort());
  for (const q of summary.queues) {
    const s = stats.queues.get(q.queue)!;
    const { servicelevel, ...appQueue } = q.appQueue;
    expect(appQueue, `${label} ${q.queue} app_queue`).toEqual(s.asterisk);
    const { slThresholdMs, ...callboardCounts } = q.callboard;
    expect(callboardCounts, `${label} ${q.queue} callboard`).toEqual({
      offered: s.callboard.offered,
      answered: s.callboard.answered,
      abandoned: s.callboard.abandoned,
      flowedOut: s.callboard.flowedOut,
      answeredWithinSl: s.callboard.answeredWithinSl,
      completed: s.callboard.completed,
    });
    expect({ stillTalking: q.stillTalking, stillTalkingInSl: q.stillTalkingInSl, exitWithKey: q.exitWithKey }, `${label} ${q.queue}`).toEqual({
      stillTalking: s.stillConnected,
      stillTalkingInSl: s.stillConnectedInSl,
      exitWithKey: s.exitWithKey,
    });
    expect(servicelevel).toBeGreaterThanOrEqual(0);
    expect(slThresholdMs).toBeGreaterThan(0);
  }
}

describe('import asterisk: the per-queue summary in app_queue terms', () => {
  it('edge-case file: stderr prints each queue as queue show would, and --summary json equals the independent count', async () => {
    const r = await importSummary(EDGE);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^import: queue support: callboard offered=9 answered=4 abandoned=3 flowedOut=1 answeredWithinSl=3 \(T=20s\) completed=3; app_queue C:3, A:4, SL:66\.7%, SL2:57\.1% within 20s; completedInSl=2 abandonedInSl=2 stillTalking=1 \(inSl=1\) stillWaiting=1 exitWithKey=0$/m,
    );
    // A timeout and an empty-queue exit are abandoned for app_queue, an exit by key is not; no call completed: SL prints 0.0.
    expect(r.stderr).toMatch(/^import: queue "Sales EN" \(Sales_20EN\): callboard offered=2 answered=0 abandoned=0 flowedOut=2 .*app_queue C:0, A:1, SL:0\.0%, SL2:100\.0% within 20s; .*exitWithKey=1$/m);
    expect(r.stderr).toMatch(/^import: queue sales: .*app_queue C:2, A:0, SL:100\.0%, SL2:100\.0% within 20s;/m);
    for (const q of r.summary.queues) expect(r.stderr).toContain(`${formatQueueSummary(q)}\n`);
    expect(r.summary).toMatchObject({ lines: 46, invalid: [33, 42], skipped: { RINGNOANSWER: 3, CONFIGRELOAD: 1, QUEUESTART: 1 } });
    const written = readFileSync(r.out, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as CanonicalEvent);
    expect(Object.values(r.summary.events).reduce((a, b) => a + b, 0)).toBe(written.length);
    expectAgrees(r.summary, queueLogStats(readFileSync(EDGE, 'utf8')), 'edge');
  });

  it('every queue_log fixture and the sample of packages/ingest-asterisk, at servicelevel 20 and at 30 with support=10', async () => {
    const files = queueLogsUnder(MAPPER_DIR);
    expect(files).toContain(SAMPLE);
    for (const file of [EDGE, ...files]) {
      const text = readFileSync(file, 'utf8');
      expectAgrees((await importSummary(file)).summary, queueLogStats(text), file);
      if (file !== EDGE && file !== SAMPLE) continue;
      const { summary } = await importSummary(file, ['--servicelevel', '30', '--servicelevel', 'support=10']);
      const at30 = queueLogStats(text, { serviceLevelSec: 30 });
      const at10 = queueLogStats(text, { serviceLevelSec: 10 });
      for (const q of summary.queues) {
        const expected = (q.queue === 'support' ? at10 : at30).queues.get(q.queue)!;
        expect(q.appQueue, `${file} ${q.queue}`).toEqual({ servicelevel: q.queue === 'support' ? 10 : 30, ...expected.asterisk });
        // callboard's own threshold does not move with --servicelevel.
        expect(q.callboard.answeredWithinSl, `${file} ${q.queue}`).toBe(at30.queues.get(q.queue)!.callboard.answeredWithinSl);
        expect(q.callboard.slThresholdMs).toBe(20_000);
      }
      // The sample has calls waiting 10 to 30 s, so the three settings give different figures.
      if (file === SAMPLE) expect(summary.queues.find((q) => q.queue === 'support')!.appQueue.completedInSl).toBeLessThan(at30.queues.get('support')!.asterisk.completedInSl);
    }
  }, 120_000);

  it('without --servicelevel, a queue counts with its slThresholdMs from the queue settings (--queues), as callboard does', async () => {
    const queues = join(dir, 'queues.json');
    writeFileSync(queues, JSON.stringify({ tenants: { [TENANT]: { timeZone: 'UTC', queues: { support: { slThresholdMs: 30_000 } } } } }));
    const { summary, stderr } = await importSummary(EDGE, ['--queues', queues]);
    const at30 = queueLogStats(readFileSync(EDGE, 'utf8'), { serviceLevelSec: 30, slThresholdMs: 30_000 }).queues.get('support')!;
    const support = summary.queues.find((q) => q.queue === 'support')!;
    expect(support.appQueue).toEqual({ servicelevel: 30, ...at30.asterisk });
    expect(support.callboard).toMatchObject({ slThresholdMs: 30_000, answeredWithinSl: at30.callboard.answeredWithinSl });
    expect(summary.queues.find((q) => q.queue === 'sales')!.appQueue.servicelevel).toBe(20);
    expect(stderr).toMatch(/^import: queue support: .*\(T=30s\).* within 30s;/m);
  });

  it('a --servicelevel for a queue the file does not have is named on stderr', async () => {
    const { stderr } = await importSummary(EDGE, ['--servicelevel', 'nosuch=15']);
    expect(stderr).toMatch(/^import: --servicelevel names queue "nosuch", which has no call in the file$/m);
  });

  it('--summary json with --kafka prints the same summary as with --out', async () => {
    const stack = await createTestStack('import-summary');
    try {
      const sent = await callboard(['import', 'asterisk', '--input', EDGE, '--tenant', TENANT, '--server-id', 'pbx1', '--kafka', '--summary', 'json'], { CB_TOPIC_PREFIX: stack.prefix });
      expect(sent.code, sent.stderr).toBe(1);
      expect(sent.stderr).toMatch(/^import: 50 event\(s\) to Kafka: /m);
      expect(JSON.parse(sent.stdout)).toEqual((await importSummary(EDGE)).summary);
    } finally {
      await stack.cleanup();
    }
  });

  it('refuses a bad --summary or --servicelevel with CB_USAGE and exit 2', async () => {
    const out = join(dir, 'never.jsonl');
    const base = ['import', 'asterisk', '--input', EDGE, '--tenant', TENANT, '--out', out];
    const cases: [string[], RegExp][] = [
      [['--summary', 'xml'], /--summary must be text or json/],
      [['--servicelevel=-1'], /--servicelevel must be an integer in 0\.\.86400/],
      [['--servicelevel', '86401'], /--servicelevel must be an integer in 0\.\.86400/],
      [['--servicelevel', '2.5'], /--servicelevel must be an integer/],
      [['--servicelevel', 'support=x'], /--servicelevel must be an integer/],
      [['--servicelevel', '=20'], /the queue name before = is empty/],
      [['--servicelevel', '20', '--servicelevel', '30'], /given twice/],
      [['--servicelevel', 'support=20', '--servicelevel', 'support=30'], /queue "support" given twice/],
      [['--queues', join(dir, 'missing.json')], /--queues .*missing\.json: no such file/],
    ];
    for (const [extra, message] of cases) {
      const r = await callboard([...base, ...extra]);
      expect(r.code, extra.join(' ')).toBe(2);
      expect(r.stderr, extra.join(' ')).toMatch(/callboard import: CB_USAGE: /);
      expect(r.stderr, extra.join(' ')).toMatch(message);
    }
    const toStdout = await callboard(['import', 'asterisk', '--input', EDGE, '--tenant', TENANT, '--out', '/dev/stdout', '--summary', 'json']);
    expect(toStdout.code).toBe(2);
    expect(toStdout.stderr).toMatch(/--summary json prints on stdout; give --out a file/);
  });
});

describe('AsteriskSummary (pure)', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 10, 30, 9, 0, s)).toISOString();
  const base = { tenantId: TENANT, queueId: 'q1' };
  const offered = (callId: string, s: number): CanonicalEvent => ({ ...base, type: 'call.offered', eventId: `${callId}:o`, callId, occurredAt: at(s), channel: 'voice', direction: 'inbound' });
  const answered = (callId: string, s: number, waitMs: number): CanonicalEvent => ({ ...base, type: 'call.answered', eventId: `${callId}:a`, callId, occurredAt: at(s), agentId: 'a1', waitMs });
  const completed = (callId: string, s: number): CanonicalEvent => ({
    ...base, type: 'call.completed', eventId: `${callId}:c`, callId, occurredAt: at(s), agentId: 'a1', talkMs: 1000, holdMs: 0, wrapMs: 0, transferred: false,
  });
  const abandoned = (callId: string, s: number, waitMs: number): CanonicalEvent => ({ ...base, type: 'call.abandoned', eventId: `${callId}:x`, callId, occurredAt: at(s), waitMs });
  const flowed = (callId: string, s: number, waitMs: number, reason: 'timeout' | 'exit_key' | 'other'): CanonicalEvent => ({
    ...base, type: 'call.flowed_out', eventId: `${callId}:f`, callId, occurredAt: at(s), waitMs, reason,
  });

  function summarise(events: CanonicalEvent[], servicelevel = 20): QueueSummary {
    const s = new AsteriskSummary({ nameOf: (id) => `name-of-${id}`, slThresholdMs: () => 15_000, servicelevelSec: () => servicelevel });
    for (const e of events) s.observe(e);
    const queues = s.queues();
    expect(queues).toHaveLength(1);
    return queues[0]!;
  }

  it('counts each visit once, C at the end of the call, every flow-out but an exit by key in A, within servicelevel inclusive', () => {
    const q = summarise([
      offered('c1', 0), answered('c1', 20, 20_000), answered('c1', 20, 20_000), completed('c1', 50), completed('c1', 50),
      offered('c2', 1), answered('c2', 22, 21_000), completed('c2', 60),
      offered('c3', 2), answered('c3', 5, 3_000), // still talking at the end
      offered('c4', 3), abandoned('c4', 23, 20_000), abandoned('c4', 23, 20_000),
      offered('c5', 4), flowed('c5', 64, 60_000, 'timeout'),
      offered('c6', 5), flowed('c6', 10, 5_000, 'other'),
      offered('c7', 6), flowed('c7', 8, 2_000, 'exit_key'),
      offered('c8', 7), // still waiting
      completed('c9', 70), // began before the file: in C, its wait unknown
    ]);
    expect(q).toEqual({
      queue: 'name-of-q1',
      queueId: 'q1',
      callboard: { slThresholdMs: 15_000, offered: 8, answered: 3, abandoned: 1, flowedOut: 3, answeredWithinSl: 1, completed: 3 },
      appQueue: { servicelevel: 20, completed: 3, abandoned: 3, completedInSl: 1, abandonedInSl: 2, sl: 100 / 3, sl2: 50 },
      stillTalking: 1,
      stillTalkingInSl: 1,
      stillWaiting: 1,
      exitWithKey: 1,
      completedWithoutAnswer: 1,
    });
    expect(formatQueueSummary(q)).toBe(
      'import: queue name-of-q1 (q1): callboard offered=8 answered=3 abandoned=1 flowedOut=3 answeredWithinSl=1 (T=15s) completed=3; ' +
        'app_queue C:3, A:3, SL:33.3%, SL2:50.0% within 20s; completedInSl=1 abandonedInSl=2 stillTalking=1 (inSl=1) stillWaiting=1 exitWithKey=1 completedWithoutAnswer=1',
    );
  });

  it('an answer read after its completion still decides completed in SL; an impossible outcome counts for nothing', () => {
    const q = summarise([offered('c1', 0), completed('c1', 50), answered('c1', 10, 10_000), abandoned('c1', 11, 11_000)], 10);
    expect(q.appQueue).toEqual({ servicelevel: 10, completed: 1, abandoned: 0, completedInSl: 1, abandonedInSl: 0, sl: 100, sl2: 100 });
    expect(q.completedWithoutAnswer).toBe(0);
  });

  it('servicelevel 0 (queues.conf default): only a zero wait is within it', () => {
    const q = summarise([offered('c1', 0), answered('c1', 0, 0), completed('c1', 9), offered('c2', 1), answered('c2', 2, 1_000), completed('c2', 9)], 0);
    expect(q.appQueue).toMatchObject({ completed: 2, completedInSl: 1, sl: 50 });
  });
});
