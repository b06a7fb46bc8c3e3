import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH } from '@callboard/simulator';
import { callboard } from './cli.js';
import { describeAssignment } from './consumer-group.js';
import type { TestStack } from './infra.js';
import { exited, QUEUES_FILE, spawnAggregator, waitUntilConsumed } from './pipeline.js';
import { suiteStack } from './suite-stack.js';
import { waitFor } from './wait.js';

/**
 * Issue 9 acceptance 1 as a reviewer runs it, with the CLI of docs/cli.md: a past day made by
 * `callboard simulate` (duplicates and reordering in the file) and a hand-made file of awkward but
 * valid events, sent with `callboard produce` to aggregator processes, then `callboard query`
 * compared field for field with `callboard kpi` over the same file and the range query read.
 */

/**
 * The test of both projects, inside their `describe`: a fresh stack, the files, the replay through
 * `instances` aggregator processes, and every comparison.
 */
export function dayReplayTest(label: string, instances: number): void {
  const suite = suiteStack(label);
  it(`query equals kpi for every queue and range, ${instances} aggregator processes`, async () => {
    const { stack, dir } = suite;
    const files = await writeDayFiles(dir);
    const env = await replayThroughAggregators(stack, files, instances);
    await checkDayAgainstOracle(env, files);
  }, 300_000);
}

/** A US tenant on 2026-03-08, the spring-forward day in New York: its local day is 23 h long. */
const DST_TENANT = 'us-care';
const DST_DAY_START = '2026-03-08T05:00:00.000Z';
const DST_DAY_END = '2026-03-09T04:00:00.000Z';
/** A tenant the settings file does not name (defaults, UTC), with one day of hand-made events. */
const HAND_TENANT = 'hand-co';

interface DayFiles {
  /** The simulated day with its faults, written queue by queue, as `callboard produce` gets it. */
  day: string;
  /** The hand-made events, produced after the day (a later date, so nothing is late) in file order. */
  hand: string;
  /** config/queues.json plus the US tenant's zone, for the aggregators and the CLI. */
  queuesFile: string;
}

/** Writes the settings file and the hand-made events, and simulates the DST day with `callboard simulate`. */
async function writeDayFiles(dir: string): Promise<DayFiles> {
  const queues = JSON.parse(readFileSync(QUEUES_FILE, 'utf8'));
  queues.tenants[DST_TENANT] = { timeZone: 'America/New_York', dayStartHour: 0, queues: { 'voice-support': {}, 'chat-support': { slTarget: 0.85 } } };
  const queuesFile = join(dir, 'queues.json');
  writeFileSync(queuesFile, JSON.stringify(queues));
  // The default config's Nordic tenant (two queues, about 550 calls a day) moved to New York.
  const sim = JSON.parse(readFileSync(DEFAULT_CONFIG_PATH, 'utf8'));
  const nordic = sim.tenants.find((t: { tenantId: string }) => t.tenantId === 'nordic-mobile');
  const simConfig = join(dir, 'sim.json');
  writeFileSync(simConfig, JSON.stringify({ ...sim, tenants: [{ ...nordic, tenantId: DST_TENANT, timeZone: 'America/New_York' }] }));
  const simulated = join(dir, 'simulated.jsonl');
  const made = await callboard(['simulate', '--config', simConfig, '--seed', '11', '--start', DST_DAY_START, '--minutes', '1440', '--duplicates', '0.05', '--reorder', '0.05', '--out', simulated]);
  expect(made.code, made.stderr).toBe(0);
  // Written queue by queue, agents last, as a conversion of per-queue exports would: hours out of
  // event-time order on a partition, which `produce` puts back in order (sent as is, most is late).
  const lines = readFileSync(simulated, 'utf8').trimEnd().split('\n');
  const group = (line: string) => (JSON.parse(line) as { queueId?: string }).queueId ?? '~agents';
  const day = join(dir, 'day.jsonl');
  writeFileSync(day, `${lines.sort((a, b) => group(a).localeCompare(group(b))).join('\n')}\n`);
  const hand = join(dir, 'hand.jsonl');
  writeFileSync(hand, `${handMadeEvents().map((e) => JSON.stringify(e)).join('\n')}\n`);
  return { day, hand, queuesFile };
}

/**
 * Valid events in an awkward order: each call's events reversed or shuffled (never by more than the
 * 2 h grace on a partition), a call answered across midnight UTC with its timestamps in three
 * offsets, a visit split across two 15-minute intervals (answered at 10:15:00.000 exactly), an
 * abandon a millisecond before 10:45 to after it, a flow-out to a second queue, a queue seen once
 * (one offer, never answered), an abandon and offer at the same instant with waitMs 0, an answer
 * after an abandon (an anomaly), and a producer duplicate of an answer 14 h later.
 */
function handMadeEvents(): Record<string, unknown>[] {
  const call = (id: string, queueId: string) => ({ tenantId: HAND_TENANT, callId: id, queueId });
  const offered = (id: string, q: string, at: string, channel = 'voice') => ({ eventId: `${id}-o-${q}`, type: 'call.offered', occurredAt: at, ...call(id, q), channel, direction: 'inbound' });
  const answered = (id: string, q: string, at: string, waitMs: number, agentId = 'ag1') => ({ eventId: `${id}-a-${q}`, type: 'call.answered', occurredAt: at, ...call(id, q), agentId, waitMs });
  const abandoned = (id: string, q: string, at: string, waitMs: number) => ({ eventId: `${id}-x-${q}`, type: 'call.abandoned', occurredAt: at, ...call(id, q), waitMs });
  const completed = (id: string, q: string, at: string, talkMs: number, extra: Record<string, unknown> = {}) => ({
    eventId: `${id}-c-${q}`, type: 'call.completed', occurredAt: at, ...call(id, q), agentId: 'ag1', talkMs, holdMs: 0, wrapMs: 20_000, transferred: false, ...extra,
  });
  const agent = (state: string, at: string) => ({ eventId: `ag1-${state}`, type: 'agent.state_changed', occurredAt: at, tenantId: HAND_TENANT, agentId: 'ag1', state, queueIds: ['main', 'overflow'] });
  const bAnswer = answered('B', 'main', '2026-06-15T10:15:00.000Z', 10_000);
  return [
    completed('F', 'main', '2026-06-15T00:10:20Z', 1_180_000),
    offered('F', 'main', '2026-06-14T23:50:00Z'),
    answered('F', 'main', '2026-06-14T23:50:20Z', 20_000),
    abandoned('E', 'main', '2026-06-15T00:00:00.000Z', 0),
    offered('E', 'main', '2026-06-15T00:00:00.000Z'),
    offered('R', 'rare', '2026-06-15T03:33:33.333Z', 'email'),
    agent('available', '2026-06-15T08:00:00Z'),
    completed('B', 'main', '2026-06-15T10:30:00.000Z', 880_000, { holdMs: 5000, transferred: true }),
    bAnswer,
    offered('B', 'main', '2026-06-15T10:14:50Z'),
    offered('C', 'main', '2026-06-15T10:44:59.999Z', 'chat'),
    abandoned('C', 'main', '2026-06-15T10:45:03Z', 3001),
    offered('D', 'main', '2026-06-15T14:00:00Z'),
    { eventId: 'D-f-main', type: 'call.flowed_out', occurredAt: '2026-06-15T14:01:00Z', ...call('D', 'main'), waitMs: 60_000, reason: 'overflow' },
    offered('D', 'overflow', '2026-06-15T14:01:00Z'),
    answered('D', 'overflow', '2026-06-15T14:01:30Z', 30_000),
    completed('D', 'overflow', '2026-06-15T14:06:30Z', 280_000, { resolved: false }),
    answered('G', 'main', '2026-06-15T16:00:41Z', 41_000),
    offered('G', 'main', '2026-06-15T16:00:00Z'),
    abandoned('G', 'main', '2026-06-15T16:00:40Z', 40_000),
    agent('logged_out', '2026-06-15T18:00:00Z'),
    completed('A', 'main', '2026-06-16T02:05:00.000+02:00', 250_000, { resolved: true }),
    answered('A', 'main', '2026-06-15T20:00:12-04:00', 22_000),
    offered('A', 'main', '2026-06-15T23:59:50Z'),
    bAnswer,
  ];
}

/**
 * Starts `instances` aggregator processes in one group, waits until each owns partitions, sends
 * `files` in order with `callboard produce`, waits until the group has committed every record, and
 * stops the processes. Returns the environment the CLI reads the store with.
 */
async function replayThroughAggregators(stack: TestStack, files: DayFiles, instances: number): Promise<Record<string, string>> {
  const env = { CB_TOPIC_PREFIX: stack.prefix, CB_QUEUES_FILE: files.queuesFile, CB_REDIS_NAMESPACE: `d${randomBytes(4).toString('hex')}` };
  const groupId = `${stack.prefix}agg`;
  const children = Array.from({ length: instances }, () => spawnAggregator(stack, { ...env, CB_AGGREGATOR_GROUP: groupId }));
  try {
    const admin = stack.kafka.admin();
    await admin.connect();
    try {
      await waitFor(`${instances} aggregators to share the partitions`, async () => {
        const g = await describeAssignment(admin, groupId);
        return g.state === 'Stable' && g.members.length === instances && g.members.every((m) => m.partitions.length > 0) ? true : undefined;
      }, 90_000);
    } finally {
      await admin.disconnect();
    }
    // The day as a reviewer sends it; the hand-made file in its own order (--keep-order), so its
    // disorder, within the grace, reaches the aggregators.
    for (const args of [['--input', files.day], ['--input', files.hand, '--keep-order']]) {
      const sent = await callboard(['produce', ...args], env);
      expect(sent.code, sent.stderr).toBe(0);
    }
    await waitUntilConsumed(stack, groupId);
    for (const child of children) expect(child.exitCode, 'an aggregator exited during the replay').toBeNull();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => exited(c)));
  }
  return env;
}

/** A `callboard query` as a reviewer asks it: a range, or a window at an instant; one queue or all. */
type Ask = { tenant: string; queue?: string } & ({ from: string; to: string } | { window: string; at: string });

/**
 * Runs `callboard query` for `ask`, then `callboard kpi --input file` over the range query says it
 * read (docs/cli.md: widened to whole buckets), and expects every field `kpi` prints for each
 * queue to equal the live one. A queue query lists (configured, or active) that kpi does not (no
 * event in the range) must read all zero. Returns the range read and the live queues.
 */
export async function expectQueryEqualsKpi(env: Record<string, string>, file: string, ask: Ask): Promise<{ from: string; to: string; queues: LiveQueue[] }> {
  const what = 'window' in ask ? ['--window', ask.window, '--at', ask.at] : ['--from', ask.from, '--to', ask.to];
  const query = await callboard(['query', '--tenant', ask.tenant, ...what, ...(ask.queue ? ['--queue', ask.queue] : []), '--json'], env);
  expect(query.code, query.stderr).toBe(0);
  const live = (JSON.parse(query.stdout) as { queues: LiveQueue[] }).queues;
  const ranges = [...new Set(live.map((q) => `${q.from}/${q.to}`))];
  expect(ranges, 'one range read for every queue').toHaveLength(1);
  const [from, to] = ranges[0]!.split('/') as [string, string];
  const kpi = await callboard(['kpi', '--input', file, '--from', from, '--to', to, '--json'], env);
  expect(kpi.code, kpi.stderr).toBe(0);
  const oracle = (JSON.parse(kpi.stdout) as { queues: OracleQueue[] }).queues.filter((q) => q.tenantId === ask.tenant && (ask.queue === undefined || q.queueId === ask.queue));
  const label = `${ask.tenant}/${ask.queue ?? '*'} ${JSON.stringify(what)} read [${from}, ${to})`;
  for (const expected of oracle) {
    const got = live.find((q) => q.queueId === expected.queueId);
    expect(got, `${label}: query lists ${expected.queueId}`).toBeDefined();
    const fields = Object.fromEntries(Object.entries(expected).filter(([k]) => !['tenantId', 'queueId', 'anomalies', 'duplicates', 'late'].includes(k))); // query's are all-time, under stats
    const picked = Object.fromEntries(Object.keys(fields).map((k) => [k, got![k]]));
    expect(picked, `${label} ${expected.queueId}`).toEqual(fields);
    expect(got!.stats.late, `${label} ${expected.queueId}: nothing late`).toBe(0);
  }
  for (const q of live.filter((l) => !oracle.some((o) => o.queueId === l.queueId))) {
    expect(Object.values(q.counts).every((v) => v === 0), `${label} ${q.queueId}: no events, zero counts`).toBe(true);
  }
  return { from, to, queues: live };
}

interface OracleQueue {
  tenantId: string;
  queueId: string;
  [field: string]: unknown;
}

interface LiveQueue {
  queueId: string;
  from: string;
  to: string;
  counts: { offered: number } & Record<string, number>;
  stats: { late: number; duplicates: number; anomalies: number };
  [field: string]: unknown;
}

/**
 * The comparisons of acceptance 1 on the replayed store: the DST day as `today` and as a range in
 * local offsets (23 h), an hour, a 15-minute interval, a range off the bucket boundaries (read
 * widened to whole 15-minute buckets: the day is older than the 2 h fine retention), one queue;
 * the hand-made day, a range across its midnight, the interval holding the split visit, the queue
 * seen once, and three days around it.
 */
async function checkDayAgainstOracle(env: Record<string, string>, files: DayFiles): Promise<void> {
  const today = await expectQueryEqualsKpi(env, files.day, { tenant: DST_TENANT, window: 'today', at: '2026-03-08T23:59:59-04:00' });
  expect(today).toMatchObject({ from: DST_DAY_START, to: DST_DAY_END });
  expect(today.queues.map((q) => q.queueId)).toEqual(['chat-support', 'voice-support']);
  expect(today.queues.reduce((n, q) => n + q.counts.offered, 0)).toBeGreaterThan(400);
  expect(today.queues.reduce((n, q) => n + q.stats.duplicates, 0), 'the file\'s duplicates reached the store and were skipped').toBeGreaterThan(0);
  const local = await expectQueryEqualsKpi(env, files.day, { tenant: DST_TENANT, from: '2026-03-08T00:00:00-05:00', to: '2026-03-09T00:00:00-04:00' });
  expect(local).toMatchObject({ from: DST_DAY_START, to: DST_DAY_END });
  for (const [from, to] of [
    ['2026-03-08T14:00:00.000Z', '2026-03-08T15:00:00.000Z'],
    ['2026-03-08T14:45:00.000Z', '2026-03-08T15:00:00.000Z'],
  ] as const) {
    expect(await expectQueryEqualsKpi(env, files.day, { tenant: DST_TENANT, from, to })).toMatchObject({ from, to });
  }
  const off = await expectQueryEqualsKpi(env, files.day, { tenant: DST_TENANT, from: '2026-03-08T14:44:59.999Z', to: '2026-03-08T15:00:00.001Z' });
  expect(off).toMatchObject({ from: '2026-03-08T14:30:00.000Z', to: '2026-03-08T15:15:00.000Z' });
  await expectQueryEqualsKpi(env, files.day, { tenant: DST_TENANT, queue: 'voice-support', from: '2026-03-08T13:00:00.000Z', to: '2026-03-08T17:00:00.000Z' });

  const hand = await expectQueryEqualsKpi(env, files.hand, { tenant: HAND_TENANT, window: 'today', at: '2026-06-15T23:59:59Z' });
  expect(hand).toMatchObject({ from: '2026-06-15T00:00:00.000Z', to: '2026-06-16T00:00:00.000Z' });
  expect(hand.queues.map((q) => q.queueId)).toEqual(['main', 'overflow', 'rare']);
  expect(hand.queues.find((q) => q.queueId === 'main')!.stats).toMatchObject({ anomalies: 1, duplicates: 1, late: 0 });
  for (const [from, to] of [
    ['2026-06-15T23:00:00.000Z', '2026-06-16T01:00:00.000Z'],
    ['2026-06-15T10:15:00.000Z', '2026-06-15T10:30:00.000Z'],
    ['2026-06-14T00:00:00.000Z', '2026-06-17T00:00:00.000Z'],
  ] as const) {
    expect(await expectQueryEqualsKpi(env, files.hand, { tenant: HAND_TENANT, from, to })).toMatchObject({ from, to });
  }
  await expectQueryEqualsKpi(env, files.hand, { tenant: HAND_TENANT, queue: 'rare', from: '2026-06-15T00:00:00.000Z', to: '2026-06-16T00:00:00.000Z' });
}
