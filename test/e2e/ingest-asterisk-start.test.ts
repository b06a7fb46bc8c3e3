import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '@callboard/events';
import { type AsteriskMapperOptions, createQueueLogMapper, parseQueueLogLine } from '@callboard/ingest-asterisk';
import { createAsteriskIngest, type StartFrom } from '@callboard/ingest-asterisk-service';
import { createMetricsRegistry } from '@callboard/runtime';
import { queueLogFixture } from '../../services/ingest-asterisk/test/queue-log-fixture.js';
import { createTestStack, readTopicsToEnd, type TestStack } from '../helpers/infra.js';
import { waitFor } from '../helpers/wait.js';

type AgentEvent = Extract<CanonicalEvent, { type: 'agent.state_changed' }>;
const DAY_MS = 86_400_000;

/** Each line's events from one mapper over `lines`, with the line's time. */
function mapAll(lines: readonly string[], options: AsteriskMapperOptions): { atMs: number; events: CanonicalEvent[] }[] {
  const mapper = createQueueLogMapper(options);
  return lines.flatMap((raw) => {
    const parsed = parseQueueLogLine(raw);
    return parsed.ok ? [{ atMs: parsed.line.epochSec * 1000, events: mapper.map(parsed.line).events }] : [];
  });
}

/**
 * Brief J of issue 10: CB_ASTERISK_START_FROM on a queue_log with 3-day-old lines and lines of the last hour, through
 * the real Kafka. Each case has its own tenant (and server id) on one set of topics, read once at the end.
 */
describe('ingest-asterisk: where a first start begins on a file it has never read', () => {
  let stack: TestStack;
  let dir: string;
  const nowSec = Math.floor(Date.now() / 1000);
  const old = queueLogFixture({ seed: 31, startSec: nowSec - 3 * 86_400 - 40 * 60, endSec: nowSec - 3 * 86_400 });
  const recent = queueLogFixture({ seed: 32, startSec: nowSec - 50 * 60, endSec: nowSec - 60 });
  const lines = [...old.lines, ...recent.lines];
  const later = queueLogFixture({ seed: 33, startSec: nowSec - 20 * 60, endSec: nowSec - 30, queues: ['support'] }).lines;

  beforeAll(async () => {
    stack = await createTestStack('ast-start');
    dir = await mkdtemp(join(tmpdir(), 'cb-ast-start-'));
  });
  afterAll(async () => {
    await stack?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  async function run(name: string, startFrom: StartFrom, during?: (path: string) => Promise<number>, content = lines) {
    const path = join(dir, `${name}.queue_log`);
    await writeFile(path, `${content.join('\n')}\n`);
    const mapping = { tenantId: `ast-${name}`, serverId: `pbx-${name}` };
    const metrics = createMetricsRegistry('test');
    const stateDir = join(dir, `${name}-state`);
    const ingest = createAsteriskIngest({ kafka: stack.kafka, codec: stack.codec, logger: stack.logger, metrics, queueLog: path, stateDir, mapping, startFrom, pollMs: 50, chunkLines: 40 });
    const startedAt = Date.now();
    await ingest.start();
    try {
      await waitFor('the first position committed', () => ingest.position(), 30_000, 20);
      const total = during ? await during(path) : content.length;
      await waitFor(`every line committed (${total})`, () => (ingest.position()?.lineNo === total ? true : undefined), 60_000, 20);
    } finally {
      await ingest.close();
    }
    return { path, mapping, metrics, stateDir, startedAt, endedAt: Date.now() };
  }

  it('24h (the default), beginning and end: what each produces, and a restart does not decide again', async () => {
    const r24 = await run('lookback', { kind: 'lookback', lookbackMs: DAY_MS });
    const rBeg = await run('beginning', { kind: 'beginning' });
    const rEnd = await run('end', { kind: 'end' }, async (path) => {
      await appendFile(path, `${later.join('\n')}\n`);
      return lines.length + later.length;
    });
    // A quiet PBX: every line is older than the lookback; the members' states come once the end is reached.
    const rQuiet = await run('quiet', { kind: 'lookback', lookbackMs: DAY_MS }, undefined, old.lines);
    const quietSaved = JSON.parse(await readFile(join(rQuiet.stateDir, 'state.json'), 'utf8')) as { startFrom: { cutoffMs: number; skipping: boolean } };
    expect(quietSaved.startFrom.skipping).toBe(false);
    // The lookback's saved decision: a restart with another setting keeps it and the position.
    const saved = JSON.parse(await readFile(join(r24.stateDir, 'state.json'), 'utf8')) as { startFrom: { kind: string; cutoffMs: number; skipping: boolean } };
    expect(saved.startFrom).toMatchObject({ kind: 'lookback', skipping: false });
    const cutoffMs = saved.startFrom.cutoffMs;
    expect(cutoffMs).toBeGreaterThanOrEqual(r24.startedAt - DAY_MS);
    expect(cutoffMs).toBeLessThanOrEqual(r24.endedAt - DAY_MS);
    const restarted = createAsteriskIngest({ kafka: stack.kafka, codec: stack.codec, logger: stack.logger, metrics: createMetricsRegistry('test'), queueLog: r24.path, stateDir: r24.stateDir, mapping: r24.mapping, startFrom: { kind: 'beginning' }, pollMs: 50 });
    await restarted.start();
    try {
      await waitFor('the restart at the saved position', () => (restarted.position()?.lineNo === lines.length ? true : undefined), 30_000, 20);
    } finally {
      await restarted.close();
    }
    expect(JSON.parse(await readFile(join(r24.stateDir, 'state.json'), 'utf8')).startFrom).toEqual(saved.startFrom);

    const held = (await readTopicsToEnd(stack, [stack.topology.callEvents.name, stack.topology.agentEvents.name])).map((r) => r.event as CanonicalEvent);
    const of = (tenantId: string) => held.filter((e) => e.tenantId === tenantId);
    const ids = (events: readonly CanonicalEvent[]) => events.map((e) => e.eventId).sort();

    // beginning: every event of the whole file.
    const allBeg = mapAll(lines, rBeg.mapping).flatMap((l) => l.events);
    expect(ids(of('ast-beginning'))).toEqual(ids(allBeg));

    // 24h: the events of the lines at/after the cutoff (and any later-dated event of an older line), plus each
    // member's state at the cutoff once, as the whole-file mapper had it just before.
    const whole = mapAll(lines, r24.mapping);
    const expected = whole.flatMap((l) => (l.atMs >= cutoffMs ? l.events : l.events.filter((e) => Date.parse(e.occurredAt) >= cutoffMs)));
    const lastBefore = new Map<string, AgentEvent>();
    for (const l of whole.filter((x) => x.atMs < cutoffMs)) for (const e of l.events) if (e.type === 'agent.state_changed' && Date.parse(e.occurredAt) < cutoffMs) lastBefore.set(e.agentId, e);
    const got24 = of('ast-lookback');
    const caughtUp = got24.filter((e) => e.eventId.startsWith(`pbx-lookback:start@${cutoffMs}:`)) as AgentEvent[];
    expect(ids(got24.filter((e) => !caughtUp.includes(e as AgentEvent)))).toEqual(ids(expected));
    expect(lastBefore.size).toBe(4);
    expect(caughtUp.map((e) => [e.agentId, e.state, e.queueIds, e.occurredAt]).sort()).toEqual(
      [...lastBefore.values()].map((e) => [e.agentId, e.state, e.queueIds, new Date(cutoffMs).toISOString()]).sort(),
    );
    expect(got24.every((e) => Date.parse(e.occurredAt) >= cutoffMs)).toBe(true);
    expect(await r24.metrics.metrics()).toContain(`callboard_asterisk_start_skipped_lines_total{kind="lookback",service="test"} ${old.lines.length}`);

    const quiet = of('ast-quiet') as AgentEvent[];
    expect(quiet.map((e) => [e.agentId, e.state, e.occurredAt]).sort()).toEqual(
      [...lastBefore.values()].map((e) => [e.agentId, e.state, new Date(quietSaved.startFrom.cutoffMs).toISOString()]).sort(),
    );

    // end: only the appended lines, mapped from an empty state.
    const appended = mapAll(later, rEnd.mapping).flatMap((l) => l.events);
    expect(appended.length).toBeGreaterThan(0);
    expect(ids(of('ast-end'))).toEqual(ids(appended));
    expect(await rEnd.metrics.metrics()).toContain(`callboard_asterisk_start_skipped_lines_total{kind="end",service="test"} ${lines.length}`);
  }, 180_000);
});
