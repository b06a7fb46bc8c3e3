import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, copyFile, mkdir, mkdtemp, readFile, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '@callboard/events';
import { type AsteriskMapperOptions, createAmiMapper, createQueueLogMapper, parseQueueLogLine } from '@callboard/ingest-asterisk';
import { createAsteriskIngest } from '@callboard/ingest-asterisk-service';
import { computeOracle, splitLate } from '@callboard/kpi';
import { createMetricsRegistry, createRootLogger, provision, type Redis } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { amiText, startAmiPeer } from '../../services/ingest-asterisk/test/ami-peer.js';
import { amiTwinsOf, queueLogFixture, type QueueLogFixture } from '../../services/ingest-asterisk/test/queue-log-fixture.js';
import { createTestStack, readBack, readTopicsToEnd, type TestStack } from '../helpers/infra.js';
import { compareWithOracle, readInstantWithTraffic } from '../helpers/live-vs-oracle.js';
import { heldDeliveries } from '../helpers/oracle-check.js';
import { childEnv, exited, REPO_ROOT, testAggregator, waitUntilConsumed } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

const GRACE_MS = 2 * 3600_000;
const TENANT = 'ast-test';

/** 65 minutes of two queues up to a minute ago: every window of every queue holds traffic. */
function fixture(seed: number): QueueLogFixture & { endMs: number } {
  const endSec = Math.floor(Date.now() / 1000) - 60;
  return { ...queueLogFixture({ seed, startSec: endSec - 65 * 60, endSec }), endMs: endSec * 1000 };
}

/** The file converted in one pass, as `callboard import asterisk` would: what Kafka must hold, each event once at least. */
function converted(lines: readonly string[], options: AsteriskMapperOptions): CanonicalEvent[] {
  const mapper = createQueueLogMapper(options);
  const events: CanonicalEvent[] = [];
  for (const raw of lines) {
    const parsed = parseQueueLogLine(raw);
    if (parsed.ok) events.push(...mapper.map(parsed.line).events);
  }
  return events;
}

/**
 * What the event topics hold against the conversion of the whole file: every converted event there,
 * as converted; nothing else; copies only as redeliveries. Then the aggregator's KPIs over what it was
 * delivered equal the oracle's, and the oracle over the deliveries counts what the conversion holds.
 */
async function expectDeliveredAndCounted(stack: TestStack, redis: Redis, f: QueueLogFixture & { endMs: number }, want: readonly CanonicalEvent[], copiesAsConverted = true): Promise<{ copies: number }> {
  expect(want.length).toBeGreaterThan(500);
  const held = await readTopicsToEnd(stack, [stack.topology.callEvents.name, stack.topology.agentEvents.name]);
  expect(held.every((r) => r.event !== undefined)).toBe(true);
  const byId = new Map<string, CanonicalEvent[]>();
  for (const r of held) byId.set(r.event!.eventId, [...(byId.get(r.event!.eventId) ?? []), r.event!]);
  const missing = want.filter((e) => !byId.has(e.eventId)).map((e) => e.eventId);
  expect(missing).toEqual([]);
  expect([...byId.keys()].sort()).toEqual(want.map((e) => e.eventId).sort());
  if (copiesAsConverted) for (const e of want) for (const copy of byId.get(e.eventId)!) expect(copy).toEqual(e);

  const store = new WindowStore(redis, { namespace: `t${randomBytes(4).toString('hex')}` });
  const aggregator = testAggregator(stack, store);
  await aggregator.start();
  try {
    await waitUntilConsumed(stack, `${stack.prefix}agg`);
  } finally {
    await aggregator.close();
  }
  const { onTime, late } = splitLate(heldDeliveries(held), { graceMs: GRACE_MS });
  expect(late).toEqual([]);
  const atMs = readInstantWithTraffic(onTime, f.endMs);
  const times = onTime.map((e) => Date.parse(e.occurredAt));
  const { mismatches, compared } = await compareWithOracle(store, onTime, { atMs, range: { from: Math.min(...times), to: Math.max(...times) + 1 } });
  expect(compared).toBeGreaterThan(0);
  expect(mismatches).toEqual([]);
  const counts = (events: readonly CanonicalEvent[]) => computeOracle(events).queues.map((q) => ({ queue: q.queueId, counts: q.counts }));
  expect(counts(onTime)).toEqual(counts(want));
  return { copies: held.length - want.length };
}

/** The DLQ holds the garbage line, named by file and line number. */
async function expectGarbageInDlq(stack: TestStack, file: string, lineNo: number): Promise<void> {
  const dlq = await readBack(stack, stack.topology.dlq.name, (rs) => rs.some((r) => r.sourceOffset === String(lineNo)));
  expect(dlq.find((r) => r.sourceOffset === String(lineNo))).toMatchObject({ sourceTopic: `queue_log:${file}`, reasonCode: 'CB_ASTERISK_LINE_INVALID', service: 'ingest-asterisk' });
}

const text = (lines: readonly string[]) => lines.map((l) => `${l}\n`).join('');

describe('ingest-asterisk: a queue_log on disk through the adapter, the real Kafka and the aggregator', () => {
  let redis: Redis;
  let dir: string;
  const stacks: TestStack[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cb-asterisk-'));
  });
  afterAll(async () => {
    await Promise.all(stacks.map((s) => s.cleanup()));
    await rm(dir, { recursive: true, force: true });
  });
  const newStack = async (label: string) => {
    const stack = await createTestStack(label);
    stacks.push(stack);
    redis ??= stack.redis();
    if (redis.status === 'wait') await redis.connect();
    return stack;
  };

  it('through a rename rotation (lines written to the old file after it) and a copytruncate', async () => {
    const stack = await newStack('ast-rot');
    const f = fixture(7);
    const path = join(dir, 'rot', 'queue_log');
    const mapping = { tenantId: TENANT, serverId: 'pbx-rot' };
    const metrics = createMetricsRegistry('test');
    // Everything it logs, down to debug: what it says of the rotations, and no caller number or raw line.
    const logged: string[] = [];
    const logger = createRootLogger({ name: 'test', level: 'debug', destination: new Writable({ write: (chunk: Buffer, _enc, done) => done(void logged.push(chunk.toString())) }) });
    const ingest = createAsteriskIngest({ kafka: stack.kafka, codec: stack.codec, logger, metrics, queueLog: path, stateDir: join(dir, 'rot-state'), mapping, pollMs: 50, chunkLines: 100 });
    const n = f.lines.length;
    const parts = [0, 0.3, 0.45, 0.6, 0.75, 1].map((x) => Math.floor(n * x));
    const part = (i: number) => f.lines.slice(parts[i], parts[i + 1]);
    const reached = (name: string, lineNo: number) => waitFor(`the adapter to commit ${name}:${lineNo}`, () => (ingest.position()?.name === name && ingest.position()?.lineNo === lineNo ? true : undefined), 60_000, 50);
    await mkdir(join(dir, 'rot'), { recursive: true });
    await ingest.start();
    try {
      // Started before the file exists, as beside a PBX that has not logged yet.
      await waitFor('the adapter to be ready', () => (ingest.isReady() ? true : undefined));
      await writeFile(path, text(part(0)));
      await reached(path, part(0).length);
      // logrotate `create`: renamed; the PBX writes to the old file until it reopens its log.
      await rename(path, `${path}.1`);
      await appendFile(`${path}.1`, text(part(1)));
      await writeFile(path, text(part(2)));
      await reached(path, part(2).length);
      // logrotate `copytruncate`: the older copy moves on, the file is copied and truncated in place.
      await rename(`${path}.1`, `${path}.2`);
      await appendFile(path, text(part(3)));
      await copyFile(path, `${path}.1`);
      await truncate(path, 0);
      await appendFile(path, text(part(4)));
      await reached(path, part(4).length);
    } finally {
      await ingest.close();
    }
    const { copies } = await expectDeliveredAndCounted(stack, redis, f, converted(f.lines, mapping));
    expect(copies).toBe(0);
    const garbageLine = f.garbageLineNos[0]!;
    expect(garbageLine).toBeLessThanOrEqual(parts[1]!);
    await expectGarbageInDlq(stack, path, garbageLine);
    const scraped = await metrics.metrics();
    expect(scraped).toMatch(new RegExp(`callboard_asterisk_lines_read_total\\{result="invalid",service="test"\\} 1\\b`));
    expect(scraped).toMatch(/callboard_asterisk_file_switches_total\{kind="rotated",service="test"\} [1-9]/);
    // copytruncate: the rest came from the copy; nothing was started over or lost.
    expect(scraped).toMatch(/callboard_asterisk_file_switches_total\{kind="copy",service="test"\} [1-9]/);
    expect(scraped).not.toMatch(/kind="(truncated|lost)"/);
    expect(scraped).toMatch(/callboard_asterisk_events_produced_total\{type="call.offered",feed="queue_log",service="test"\} [1-9]/);
    expect(scraped).toMatch(/callboard_asterisk_lag_bytes\{service="test"\} 0\b/);
    expect(scraped).not.toContain('callboard_asterisk_ami_connected');
    const log = logged.join('');
    expect(log).toContain('queue_log rotated');
    expect(log).toMatch(new RegExp(`"lines":\\[${garbageLine}\\][^\\n]*lines sent to the DLQ`));
    expect(log).not.toMatch(/0155501\d{3}/);
    expect(log).not.toContain('this is not');
  }, 240_000);

  it('through kill -9 of the adapter process (`callboard run ingest-asterisk`) at three points while lines are appended: nothing lost, copies only redelivered', async () => {
    const stack = await newStack('ast-kill');
    const f = fixture(13);
    const path = join(dir, 'kill', 'queue_log');
    const stateDir = join(dir, 'kill-state');
    const mapping = { tenantId: TENANT, serverId: 'pbx-kill' };
    await mkdir(join(dir, 'kill'), { recursive: true });
    await writeFile(path, '');
    const env = childEnv({
      CB_TOPIC_PREFIX: stack.prefix,
      CB_ASTERISK_QUEUE_LOG: path,
      CB_ASTERISK_SERVER_ID: mapping.serverId,
      CB_ASTERISK_TENANT: TENANT,
      CB_ASTERISK_STATE_DIR: stateDir,
      CB_ASTERISK_HTTP_PORT: '0',
      CB_ASTERISK_POLL_MS: '50',
      CB_ASTERISK_CHUNK_LINES: '10',
    });
    const spawnAdapter = (): ChildProcess => {
      // As an operator starts it; its logs (stdout, CB_LOG_LEVEL=warn) are dropped, what it could not help printing (stderr) shows.
      return spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'run', 'ingest-asterisk'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'], env });
    };
    const committedLine = async (): Promise<number> => {
      try {
        return (JSON.parse(await readFile(join(stateDir, 'state.json'), 'utf8')) as { position?: { lineNo: number } }).position?.lineNo ?? 0;
      } catch {
        return 0;
      }
    };
    let child = spawnAdapter();
    // The PBX logs at its own pace while the adapter is killed and restarted.
    let appended = 0;
    const appending = (async () => {
      while (appended < f.lines.length) {
        // In bursts, so the adapter is often in the middle of a backlog of chunks when it is killed.
        const next = f.lines.slice(appended, appended + 60);
        await appendFile(path, text(next));
        appended += next.length;
        // The next burst once the adapter (whichever process runs now) has committed into the one
        // before this: it always has a backlog of about a burst, and the PBX never runs far ahead.
        const behind = appended - next.length;
        await waitFor('the adapter to commit into the previous burst', async () => ((await committedLine()) >= behind - 30 ? true : undefined), 120_000, 20);
      }
    })();
    const kills: number[] = [];
    try {
      for (let i = 0; i < 3; i += 1) {
        const before = await committedLine();
        await waitFor('the adapter to commit more lines', async () => ((await committedLine()) > before ? true : undefined), 90_000, 20);
        // Not a wait for anything: a random gap, so the kill lands at a random point of a chunk.
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 100)));
        child.kill('SIGKILL');
        await exited(child);
        kills.push(await committedLine());
        child = spawnAdapter();
      }
      await appending;
      await waitFor('the adapter to commit the whole file', async () => ((await committedLine()) === f.lines.length ? true : undefined), 120_000, 100);
      // The running feed's heartbeat (issue 10 item 5) names its source and counts what it produced.
      const beat = (b: Record<string, unknown>) => b.tenantId === TENANT && b.source === 'asterisk:pbx-kill' && Number(b.eventsSent) > 0 && b.newestEventAt != null;
      expect((await readBack(stack, stack.topology.sourceStatus.name, (rs) => rs.some(beat), 40_000)).some(beat)).toBe(true);
      child.kill('SIGTERM');
      await exited(child);
      expect(child.exitCode).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
    expect(kills).toHaveLength(3);
    expect(kills[0]).toBeGreaterThan(0);
    // Copies (a chunk produced, then killed before its position was saved) are redeliveries: the
    // checks above hold every copy to its converted event and the aggregator's duplicate count to the oracle's.
    await expectDeliveredAndCounted(stack, redis, f, converted(f.lines, mapping));
    await expectGarbageInDlq(stack, path, f.garbageLineNos[0]!);
  }, 300_000);
  it('while Kafka refuses its chunks (the call topic is gone), commits nothing; once the topic is back, everything is there', async () => {
    const stack = await newStack('ast-outage');
    const f = fixture(41);
    const path = join(dir, 'outage', 'queue_log');
    const mapping = { tenantId: TENANT, serverId: 'pbx-outage' };
    const admin = stack.kafka.admin();
    await admin.connect();
    const calls = stack.topology.callEvents.name;
    try {
      await admin.deleteTopics({ topics: [calls] });
      await waitFor('the call topic to be gone', async () => (!(await admin.listTopics()).includes(calls) ? true : undefined), 60_000, 200);
    } finally {
      await admin.disconnect();
    }
    await mkdir(join(dir, 'outage'), { recursive: true });
    await writeFile(path, text(f.lines));
    const metrics = createMetricsRegistry('test');
    const ingest = createAsteriskIngest({ kafka: stack.kafka, codec: stack.codec, logger: stack.logger, metrics, queueLog: path, stateDir: join(dir, 'outage-state'), mapping, pollMs: 50, retry: { initialDelayMs: 100, maxDelayMs: 1000 } });
    await ingest.start();
    try {
      await waitFor('a chunk refused by Kafka', async () => (/callboard_asterisk_chunk_failures_total\{code="CB_KAFKA_UNAVAILABLE",service="test"\} [1-9]/.test(await metrics.metrics()) ? true : undefined), 120_000, 200);
      // Nothing read is committed while its events are not in Kafka, and the adapter stays up.
      expect(ingest.position()?.lineNo ?? 0).toBe(0);
      expect(ingest.isReady()).toBe(true);
      await provision(stack.kafka, stack.codec, stack.logger);
      await waitFor('the adapter to commit the file', () => (ingest.position()?.lineNo === f.lines.length ? true : undefined), 120_000, 100);
    } finally {
      await ingest.close();
    }
    // Every line's events, none lost; agent records a refused chunk had already written are redeliveries.
    await expectDeliveredAndCounted(stack, redis, f, converted(f.lines, mapping));
  }, 300_000);

  it('with AMI on: agent states from AMI only, calls from both feeds counted once', async () => {
    const stack = await newStack('ast-ami');
    const f = fixture(29);
    const path = join(dir, 'ami', 'queue_log');
    const mapping = { tenantId: TENANT, serverId: 'pbx-ami' };
    const twins = amiTwinsOf(f.lines);
    const peer = await startAmiPeer({ username: 'callboard', secret: 'ami-secret-0123', events: amiText(twins), chunkBytes: 4096 });
    const metrics = createMetricsRegistry('test');
    const ami = { host: '127.0.0.1', port: peer.port, username: 'callboard', secret: 'ami-secret-0123' };
    await mkdir(join(dir, 'ami'), { recursive: true });
    await writeFile(path, text(f.lines));
    const ingest = createAsteriskIngest({ kafka: stack.kafka, codec: stack.codec, logger: stack.logger, metrics, queueLog: path, stateDir: join(dir, 'ami-state'), mapping, ami, pollMs: 50 });
    // What each feed alone converts to: queue_log without agent states, AMI with them.
    const fromQueueLog = converted(f.lines, { ...mapping, agentStates: false });
    const amiMapper = createAmiMapper({ ...mapping, agentStates: true });
    const fromAmi = twins.flatMap((m) => amiMapper.map(m).events);
    const amiAgents = fromAmi.filter((e) => e.type === 'agent.state_changed');
    const callIds = new Set(fromQueueLog.map((e) => e.eventId));
    expect(fromQueueLog.some((e) => e.type === 'agent.state_changed')).toBe(false);
    expect(amiAgents.length).toBeGreaterThan(100);
    // AMI's call events are the queue_log's twins: the same eventIds, so the aggregator counts each fact once.
    expect(fromAmi.filter((e) => e.type !== 'agent.state_changed').filter((e) => !callIds.has(e.eventId))).toEqual([]);
    await ingest.start();
    try {
      await waitFor('the adapter to commit the file', () => (ingest.position()?.lineNo === f.lines.length ? true : undefined), 60_000, 50);
      await waitFor('every AMI event produced', async () => {
        const scraped = await metrics.metrics();
        const produced = [...scraped.matchAll(/callboard_asterisk_events_produced_total\{type="[^"]+",feed="ami",service="test"\} (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
        return produced === fromAmi.length ? true : undefined;
      }, 60_000, 100);
      expect(await metrics.metrics()).toMatch(/callboard_asterisk_ami_connected\{service="test"\} 1\b/);
    } finally {
      await ingest.close();
      await peer.close();
    }
    const { copies } = await expectDeliveredAndCounted(stack, redis, f, [...fromQueueLog, ...amiAgents], false);
    // Every AMI call event is a second copy of a queue_log one, and nothing else is.
    expect(copies).toBe(fromAmi.length - amiAgents.length);
  }, 240_000);
});
