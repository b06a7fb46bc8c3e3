/**
 * The aggregator benchmark (DESIGN §9): one run, one set of pre-filled topics, three consumers side by
 * side: a bare consume-and-discard loop, the aggregator, and a naive one-round-trip-per-event
 * variant; then Redis memory per active queue.
 *
 *   npx tsx test/bench/aggregator/run.ts [--events 1000000] [--naive-cap 100000]
 *       [--variants bare,aggregator,naive] [--concurrency 2] [--chunk-size 500] [--seed N] [--cpu-prof-dir DIR] [--keep] [--cluster]
 *
 * Needs the infra/local services (`bash infra/local/cb-infra up`). The report goes to stdout, warnings
 * to stderr. docs/benchmarks.md has the results and how to read them.
 */
import { spawnSync } from 'node:child_process';
import { createTestStack, infra } from '../../helpers/infra.js';
import { parseBenchArgs } from './args.js';
import { runAggregator } from './aggregator-run.js';
import { runBareLoop } from './bare-loop.js';
import { partitionEnds } from './batch-probe.js';
import { describeMachine } from './machine.js';
import { runNaive } from './naive-run.js';
import { prefill } from './prefill.js';
import { waitForQuiet } from './resource-meter.js';
import { deleteNamespace, estimateKeyOverhead, measureQueueMemory, type MemoryReport } from './redis-memory.js';
import { formatMemory, formatOverhead, formatThroughput, int, line, ratioLine } from './report.js';
import { nodesOf, readEnv, type Redis } from '@callboard/runtime';
import { freshNamespace, groupIdFor, type RunContext, type Throughput } from './run-context.js';

/** The commit the run measures, and the files changed on top of it (others may be editing the tree meanwhile). */
function codeVersion(): string {
  const git = (...a: string[]) => spawnSync('git', a, { encoding: 'utf8' }).stdout.trimEnd();
  const head = git('log', '-1', '--format=%h %s');
  // Porcelain lines are "XY path": two status letters (either may be a space), a space, the path.
  const changed = git('status', '--porcelain', '--untracked-files=no').split('\n').filter(Boolean).map((l) => l.slice(3));
  return `${head.slice(0, 90)}${changed.length > 0 ? `; uncommitted changes in ${changed.join(', ')}` : '; no uncommitted changes'}`;
}

const TARGET_VS_BARE = 0.7;
const TARGET_VS_NAIVE = 10;
const TARGET_KIB_PER_QUEUE = 512;

const args = parseBenchArgs(process.argv.slice(2));
if (args.cluster && infra.redis.mode !== 'cluster') {
  // The test helpers read CB_REDIS_MODE when loaded: run this again with it set, seeded with all six
  // nodes of infra/local's Cluster (CB_REDIS_CLUSTER_PORT..+5), as the vitest cluster project is.
  const base = readEnv();
  const port = Number(base.CB_REDIS_CLUSTER_PORT ?? 7001);
  const env = { ...base, CB_REDIS_MODE: 'cluster', CB_REDIS_URL: [0, 1, 2, 3, 4, 5].map((i) => `redis://127.0.0.1:${port + i}`).join(',') };
  const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit', env });
  process.exit(child.status ?? 1);
}
const began = performance.now();
line(`callboard aggregator benchmark: ${int(args.events)} events, variants ${args.variants.join(', ')}, ${args.concurrency} partitions at once, aggregator chunks of ${int(args.chunkSize)} records, seed ${args.seed}`);
line(`code: ${codeVersion()}`);
// Hosts only: a URL may carry a password.
const redisHosts = infra.redis.urls.map((u) => new URL(u).host).join(',');
line(`redis: ${infra.redis.mode === 'cluster' ? `Redis Cluster (CB_REDIS_MODE=cluster), seeds ${redisHosts}` : `one node, ${redisHosts}`}`);
if (args.profileDir) line(`CPU profiling into ${args.profileDir}: these figures are slowed by the profiler, do not quote them`);

const stack = await createTestStack('bench');
const redis = stack.redis();
const storeRedis = stack.redis();
await Promise.all([redis.connect(), storeRedis.connect()]);
const admin = stack.kafka.admin();
await admin.connect();
const namespaces: string[] = [];
const groups: string[] = [];
let cleaned = false;

/** INFO used_memory, summed over the masters of a Cluster. */
async function usedMemory(r: Redis): Promise<number> {
  let total = 0;
  for (const node of await nodesOf(r, 'master')) total += Number(/^used_memory:(\d+)/m.exec(await node.info('memory'))?.[1] ?? 0);
  return total;
}

async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  if (args.keep) {
    line(`--keep: left topics with prefix ${stack.prefix} and Redis namespaces ${namespaces.join(', ') || '(none)'}`);
    await admin.disconnect().catch(() => undefined);
    await Promise.all([redis.quit(), storeRedis.quit()]).catch(() => undefined);
    return;
  }
  let keys = 0;
  for (const ns of namespaces) keys += await deleteNamespace(redis, ns).catch(() => 0);
  await admin.deleteGroups(groups).catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
  await stack.cleanup();
  line(`cleanup: deleted ${stack.prefix}* topics and schema subjects, ${groups.length} consumer groups, ${int(keys)} Redis keys`);
}

process.once('SIGINT', () => {
  line('interrupted; cleaning up');
  void cleanup().finally(() => process.exit(130));
});

let bare: Throughput | undefined;
let aggregator: Throughput | undefined;
let naive: Throughput | undefined;
let memory: MemoryReport | undefined;
let failed = false;
const backgroundLoad: string[] = [];

/** Before each measured run: wait for other work on the machine to calm down, and record what was left. */
async function settle(what: string): Promise<void> {
  const { busyPct, waitedMs } = await waitForQuiet();
  const text = `${what}: ${busyPct.toFixed(0)} % of all cores busy beforehand${waitedMs > 2500 ? ` (waited ${(waitedMs / 1000).toFixed(0)} s for the machine to quieten)` : ''}`;
  backgroundLoad.push(text);
  line(`background load before ${text}`);
}
try {
  line(`stack: topics ${stack.topology.callEvents.name}, ${stack.topology.agentEvents.name} (${stack.topology.callEvents.partitions} + ${stack.topology.agentEvents.partitions} partitions)`);
  const filled = await prefill(stack, args.events, args.seed);
  line(
    `pre-fill: ${int(filled.events)} events (${int(filled.callEvents)} call, ${int(filled.agentEvents)} agent) in ${(filled.wallMs / 1000).toFixed(1)} s ` +
      `(${int(filled.events / (filled.wallMs / 1000))} events/s), simulated ${new Date(filled.firstEventAt).toISOString()} .. ${new Date(filled.lastEventAt).toISOString()} ` +
      `(${((filled.lastEventAt - filled.firstEventAt) / 86_400_000).toFixed(1)} days, flat profile, in time order, no faults)`,
  );
  const ends = await partitionEnds(admin, [stack.topology.callEvents.name, stack.topology.agentEvents.name]);
  const ctx: RunContext = { stack, admin, ends, records: ends.reduce((n, e) => n + Number(e.high), 0), concurrency: args.concurrency, chunkSize: args.chunkSize, profileDir: args.profileDir };
  if (ctx.records !== filled.events) line(`note: the topics hold ${int(ctx.records)} records, the simulator counted ${int(filled.events)}`);

  if (args.variants.includes('bare')) {
    await settle('bare');
    groups.push(groupIdFor(ctx, 'bare'));
    bare = await runBareLoop(ctx, redis);
    line(...formatThroughput(bare));
  }
  if (args.variants.includes('aggregator')) {
    await settle('aggregator');
    const ns = freshNamespace('agg');
    namespaces.push(ns);
    groups.push(groupIdFor(ctx, 'aggregator'));
    const usedBefore = await usedMemory(redis);
    const run = await runAggregator(ctx, storeRedis, ns);
    const usedAfter = await usedMemory(redis);
    aggregator = run.result;
    line(...formatThroughput(aggregator));
    const queues = [...filled.offeredByQueue].sort(([a], [b]) => a.localeCompare(b)).map(([q, offeredAt]) => {
      const [tenantId, queueId] = q.split('/') as [string, string];
      return { tenantId, queueId, offeredAt };
    });
    memory = await measureQueueMemory(redis, run.store, queues, { from: filled.firstEventAt, to: filled.lastEventAt });
    line(...formatMemory(memory));
    line(...formatOverhead(memory, estimateKeyOverhead(memory, usedAfter - usedBefore)));
  }
  if (args.variants.includes('naive')) {
    await settle('naive');
    const ns = freshNamespace('naive');
    namespaces.push(ns);
    groups.push(groupIdFor(ctx, 'naive'));
    naive = await runNaive(ctx, storeRedis, ns, args.naiveCap);
    line(...formatThroughput(naive));
  }

  const summary: string[] = ['', '==================== summary ====================', ...(await describeMachine(redis)), ...backgroundLoad.map((b) => `background    ${b}`), ''];
  summary.push(`events        ${int(ctx.records)} pre-filled in ${(filled.wallMs / 1000).toFixed(1)} s`);
  for (const t of [bare, aggregator, naive]) {
    const redisUs = t?.redisUsPerEvent === undefined ? '' : `, Redis ${t.redisUsPerEvent.toFixed(1)} µs CPU/event`;
    if (t) summary.push(`${t.label.split(' ')[0]!.padEnd(13)} ${int(t.perSecond).padStart(9)} events/s  (${int(t.events)} events in ${t.seconds.toFixed(2)} s${redisUs})${t.note ? `  [${t.note}]` : ''}`);
  }
  if (aggregator && bare) summary.push(ratioLine('aggregator / bare', aggregator.perSecond / bare.perSecond, `>= ${TARGET_VS_BARE}`, aggregator.perSecond / bare.perSecond >= TARGET_VS_BARE, 2));
  if (aggregator && naive) summary.push(ratioLine('aggregator / naive', aggregator.perSecond / naive.perSecond, `>= ${TARGET_VS_NAIVE}x`, aggregator.perSecond / naive.perSecond >= TARGET_VS_NAIVE, 1));
  if (memory) {
    const worst = memory.queues.reduce((a, b) => (b.projection.totalBytes > a.projection.totalBytes ? b : a));
    const worstMeasured = memory.queues.reduce((a, b) => (b.measuredBytes > a.measuredBytes ? b : a));
    summary.push(
      `redis/queue   projected steady state, largest queue ${worst.tenantId}/${worst.queueId}: ${(worst.projection.totalBytes / 1024).toFixed(1)} KiB ` +
        `(target <= ${TARGET_KIB_PER_QUEUE} KiB: ${worst.projection.totalBytes / 1024 <= TARGET_KIB_PER_QUEUE ? 'MET' : 'MISSED'})`,
    );
    const worstWindow = memory.queues.reduce((a, b) => (b.window.totalBytes > a.window.totalBytes ? b : a));
    summary.push(`              cross-check, keys within retention of the last simulated instant: ${(worstWindow.window.totalBytes / 1024).toFixed(1)} KiB for ${worstWindow.tenantId}/${worstWindow.queueId}`);
    summary.push(
      `              measured as left by this run (${memory.params.simulatedHours.toFixed(0)} simulated hours, nothing expired): ` +
        `${(worstMeasured.measuredBytes / 1024).toFixed(1)} KiB for ${worstMeasured.tenantId}/${worstMeasured.queueId}`,
    );
  }
  summary.push(`total runtime ${((performance.now() - began) / 1000).toFixed(0)} s`);
  line(...summary);
} catch (err) {
  failed = true;
  line(`benchmark failed: ${(err as Error)?.stack ?? String(err)}`);
} finally {
  await cleanup();
}
process.exit(failed ? 1 : 0);
