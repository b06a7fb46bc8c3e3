/**
 * Gateway fan-out (issue 5 item 4, DESIGN §9): N WebSocket clients of one tenant, each subscribed to
 * --per-client of --queues queues, while KPI snapshots of every queue are produced to cc.kpi.v1 at
 * 1 update/s per queue. Latency = frame received − the snapshot's produce instant (`at`, same clock).
 * The gateway runs as its own child process so its RSS and CPU are read from /proc. A plain kafkajs
 * consumer of the same topic is the baseline, measured beside it.
 *
 *   npx tsx test/bench/fanout/run.ts [--clients 2000] [--queues 200] [--per-client 10] [--seconds 60]
 *                                    [--warmup 10] [--baseline-seconds 15] [--cpu-prof <dir>]
 *                                    [--windows rolling-15m,today]   (default: every window)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { readEnv } from '@callboard/runtime';
import { issueToken } from '../../../services/gateway/src/auth.js';
import { createTestStack } from '../../helpers/infra.js';
import { snapshot } from '../../helpers/snapshots.js';
import { cpuSeconds, describeMachine, machineTicks, mib, rssBytes, TICK_S } from './proc.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '2000' },
    queues: { type: 'string', default: '200' },
    'per-client': { type: 'string', default: '10' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '10' },
    'baseline-seconds': { type: 'string', default: '15' },
    'cpu-prof': { type: 'string' },
    /** Comma-separated window filter for every subscription; unset: every window (the full view). */
    windows: { type: 'string' },
  },
});
const CLIENTS = Number(values.clients);
const QUEUES = Number(values.queues);
const PER_CLIENT = Math.min(Number(values['per-client']), QUEUES);
const SECONDS = Number(values.seconds);
const WARMUP_S = Number(values.warmup);
const BASELINE_S = Number(values['baseline-seconds']);
const WINDOWS = values.windows?.split(',').filter((w) => w.length > 0);
const TENANT = 'bench-co';
const TARGET_P99_MS = 200;
const REPO_ROOT = new URL('../../../', import.meta.url).pathname;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until `count()` has stopped changing for `quietMs`, or `maxMs` has passed. */
async function settled(count: () => number, quietMs: number, maxMs: number): Promise<void> {
  const deadline = Date.now() + maxMs;
  let last = count();
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await sleep(50);
    if (count() !== last) {
      last = count();
      since = Date.now();
    }
  }
}
const log = (msg: string): void => void process.stderr.write(`[fanout] ${msg}\n`);

/** Millisecond latency histogram: the `at` of a snapshot has millisecond resolution anyway. */
class Histogram {
  private readonly buckets = new Uint32Array(120_001);
  count = 0;
  max = 0;
  add(ms: number): void {
    const b = Math.min(this.buckets.length - 1, Math.max(0, Math.round(ms)));
    this.buckets[b] = (this.buckets[b] ?? 0) + 1;
    this.count += 1;
    if (ms > this.max) this.max = ms;
  }
  percentile(p: number): number {
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i += 1) {
      seen += this.buckets[i]!;
      if (seen >= rank) return i;
    }
    return Number.NaN;
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  srv.close();
  if (addr === null || typeof addr === 'string') throw new Error('no port');
  return addr.port;
}

// ---------------------------------------------------------------------------------------------
// Stack and gateway child process
// ---------------------------------------------------------------------------------------------
const stack = await createTestStack('bench-fanout');
const port = await freePort();
// The operational metrics (coalesced frames, server closes) are on the ops listener, not the public
// /metrics, which needs a credential and carries KPI series only (docs/websocket-protocol.md).
const opsPort = await freePort();
const secret = `bench-secret-${randomBytes(24).toString('hex')}`;
const base = `http://127.0.0.1:${port}`;
const opsBase = `http://127.0.0.1:${opsPort}`;
const childArgs = [...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : []), '--import', 'tsx', 'services/gateway/src/main.ts'];
const child: ChildProcess = spawn(process.execPath, childArgs, {
  cwd: REPO_ROOT,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: {
    ...readEnv(),
    CB_TOPIC_PREFIX: stack.prefix,
    CB_GATEWAY_PORT: String(port),
    CB_GATEWAY_OPS_PORT: String(opsPort),
    CB_GATEWAY_OPS_HOST: '127.0.0.1',
    CB_GATEWAY_SECRET: secret,
    CB_GATEWAY_CONNECTIONS_PER_TOKEN: String(Math.min(10_000, Math.max(10, CLIENTS))),
    CB_GATEWAY_MESSAGES_PER_SECOND: '1000',
    CB_GATEWAY_GROUP: `${stack.prefix}gateway`,
    CB_REDIS_NAMESPACE: `b${randomBytes(4).toString('hex')}`,
    CB_LOG_LEVEL: 'warn',
  },
});
const pid = child.pid!;
let childExited = false;
child.on('exit', (code, signal) => {
  childExited = true;
  if (!stopping) log(`gateway exited early: code ${code} signal ${signal}`);
});
let stopping = false;
// Whatever happens to this process, the gateway child does not outlive it.
process.on('exit', () => {
  if (!childExited) child.kill('SIGKILL');
});

async function stopGateway(): Promise<void> {
  stopping = true;
  if (childExited) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await once(child, 'exit').catch(() => undefined);
  clearTimeout(t);
}

const deadline = Date.now() + 60_000;
for (;;) {
  if (childExited) throw new Error('the gateway exited before it was ready');
  if (Date.now() > deadline) throw new Error('the gateway was not ready within 60 s');
  const ok = await fetch(`${opsBase}/readyz`).then((r) => r.ok, () => false);
  if (ok) break;
  await sleep(250);
}

/** The gateway's operational metrics text, from its ops listener; throws rather than report a made-up figure. */
async function opsMetrics(): Promise<string> {
  const res = await fetch(`${opsBase}/metrics`);
  if (!res.ok) throw new Error(`GET ${opsBase}/metrics answered ${res.status}`);
  return res.text();
}
const COALESCED = /^callboard_gateway_kpi_coalesced_total(?:\{[^}]*\})? (\d+)/m;
// Checked now, so a run never ends with counters it could not read.
if (!COALESCED.test(await opsMetrics())) throw new Error(`no callboard_gateway_kpi_coalesced_total on ${opsBase}/metrics`);
const rssReady = rssBytes(pid);
log(`gateway pid ${pid} ready on ${base} (ops ${opsBase}), RSS ${mib(rssReady)}`);

// RSS sampled twice a second for the whole run.
let rssPeak = rssReady ?? 0;
let measuring = false;
let rssPeakMeasured = 0;
const rssTimer = setInterval(() => {
  const r = rssBytes(pid);
  if (r === undefined) return;
  rssPeak = Math.max(rssPeak, r);
  if (measuring) rssPeakMeasured = Math.max(rssPeakMeasured, r);
}, 500);

// ---------------------------------------------------------------------------------------------
// Producer: every queue once a second, `at` = the produce instant
// ---------------------------------------------------------------------------------------------
const queueIds = Array.from({ length: QUEUES }, (_, i) => `q${String(i).padStart(3, '0')}`);
const producer = stack.kafka.producer();
await producer.connect();
const kpiTopic = stack.topology.kpi.name;
/** `at` of every batch produced, and whether it is in the measured span. */
const batches = new Map<number, { measured: boolean }>();
let measureFrom = Number.POSITIVE_INFINITY;
let measureTo = Number.POSITIVE_INFINITY;
let quietFrom = Number.POSITIVE_INFINITY;
let produced = 0;
let produceMsTotal = 0;
let producing = true;
let n = 0;

/** Produces one snapshot of every queue; true when the batch is in the measured span. */
async function produceBatch(): Promise<boolean> {
  const at = Date.now();
  n += 1;
  const messages = await Promise.all(
    queueIds.map(async (q, i) => ({
      key: `${TENANT}/${q}`,
      value: await stack.codec.encode(kpiTopic, { ...snapshot(TENANT, q, at, { answered: 100 + ((n + i) % 17), withinSl: 80 + ((n + i) % 13), callsWaiting: (n + i) % 5 }) }),
    })),
  );
  const measured = at >= measureFrom && at < measureTo;
  batches.set(at, { measured });
  await producer.send({ topic: kpiTopic, acks: -1, messages });
  produced += messages.length;
  produceMsTotal += Date.now() - at;
  return measured;
}

// A first snapshot of every queue, so subscribers get a full `snapshot` frame.
await produceBatch();

// ---------------------------------------------------------------------------------------------
// Baseline: a plain kafkajs consumer of the same topic, in this process
// ---------------------------------------------------------------------------------------------
const baselineLoaded = new Histogram();
const baselineQuiet = new Histogram();
const baseline = stack.kafka.consumer({ groupId: `${stack.prefix}baseline` });
await baseline.connect();
await baseline.subscribe({ topic: kpiTopic, fromBeginning: false });
await baseline.run({
  eachMessage: async ({ message }) => {
    const received = Date.now();
    const d = await stack.codec.decode(message.value);
    if (!d.ok) return;
    const at = Date.parse(String(d.value.at));
    if (batches.get(at)?.measured) baselineLoaded.add(received - at);
    else if (at >= quietFrom) baselineQuiet.add(received - at);
  },
});

// ---------------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------------
const latency = new Histogram();
/** First and last arrival of each measured batch's frames: Kafka + consume, then the fan-out spread. */
const batchArrivals = new Map<number, { first: number; last: number }>();
const subscribers = new Array<number>(QUEUES).fill(0);
let delivered = 0;
let kpiFrames = 0;
let seqGaps = 0;
let epochChanges = 0;
let reconnects = 0;
let unexpectedCloses = 0;
let errorFrames = 0;
let snapshotsReceived = 0;
let frameBytes = 0;
let closingAll = false;

interface BenchClient {
  ws: WebSocket;
  queues: string[];
  seq: number;
  epoch: string | undefined;
}

const tokens: string[] = [];
// A few tokens shared by the clients, like wallboards of one tenant; the per-token limit is raised.
for (let i = 0; i < Math.ceil(CLIENTS / 10_000); i += 1) tokens.push(await issueToken({ tenantId: TENANT, role: 'wallboard', ttlSeconds: 3600, sub: `bench-${i}` }, secret));

function field(head: string, name: string): string | undefined {
  const i = head.indexOf(`"${name}":`);
  if (i < 0) return undefined;
  const start = i + name.length + 3;
  if (head[start] === '"') return head.slice(start + 1, head.indexOf('"', start + 1));
  let end = start;
  while (end < head.length && head.charCodeAt(end) >= 48 && head.charCodeAt(end) <= 57) end += 1;
  return head.slice(start, end);
}

function onFrame(c: BenchClient, data: Buffer, resolveSnapshot: () => void): void {
  const received = Date.now();
  // Only the head of a kpi frame is read (type, epoch, seq, queueId, view.at): parsing 20 000 frames/s
  // of ~4 KiB in full would make this process, not the gateway, the bottleneck.
  const head = data.toString('latin1', 0, 320);
  const type = field(head, 'type');
  if (type === 'kpi' || type === 'snapshot' || type === 'alert') {
    const epoch = field(head, 'epoch');
    const seq = Number(field(head, 'seq'));
    if (c.epoch !== undefined && epoch !== c.epoch) epochChanges += 1;
    else if (c.epoch !== undefined && seq !== c.seq + 1) seqGaps += 1;
    c.epoch = epoch;
    c.seq = seq;
  }
  if (type === 'kpi') {
    kpiFrames += 1;
    if (frameBytes === 0) frameBytes = data.length;
    const viewAt = head.indexOf('"view":');
    const at = Date.parse(field(head.slice(viewAt), 'at') ?? '');
    const batch = batches.get(at);
    if (batch?.measured) {
      delivered += 1;
      latency.add(received - at);
      const a = batchArrivals.get(at);
      if (a === undefined) batchArrivals.set(at, { first: received, last: received });
      else a.last = received;
    }
  } else if (type === 'snapshot') {
    snapshotsReceived += 1;
    resolveSnapshot();
  } else if (type === 'error') {
    errorFrames += 1;
    if (errorFrames <= 5) log(`error frame: ${data.toString('utf8', 0, 300)}`);
  }
}

function connect(c: BenchClient, token: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false, skipUTF8Validation: true });
    c.ws = ws;
    c.seq = 0;
    c.epoch = undefined;
    let subscribed = false;
    ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', queues: c.queues, ...(WINDOWS ? { windows: WINDOWS } : {}) })));
    ws.on('message', (data: Buffer) =>
      onFrame(c, data, () => {
        if (!subscribed) {
          subscribed = true;
          resolve();
        }
      }),
    );
    ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.on('error', (err) => {
      if (!subscribed) reject(err);
    });
    ws.on('close', (code) => {
      if (closingAll || stopping) return;
      unexpectedCloses += 1;
      if (unexpectedCloses <= 5) log(`client closed with ${code}; reconnecting`);
      reconnects += 1;
      void sleep(500).then(() => connect(c, token).catch((err: unknown) => log(`reconnect failed: ${String(err)}`)));
    });
  });
}

const clients: BenchClient[] = [];
const connectT0 = Date.now();
const CONCURRENT_CONNECTS = 50;
for (let i = 0; i < CLIENTS; i += CONCURRENT_CONNECTS) {
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENT_CONNECTS, CLIENTS - i) }, async (_, k) => {
      const idx = i + k;
      // Client i takes PER_CLIENT consecutive queues from i × PER_CLIENT on: every queue gets
      // CLIENTS × PER_CLIENT / QUEUES subscribers.
      const queues = Array.from({ length: PER_CLIENT }, (_, j) => queueIds[(idx * PER_CLIENT + j) % QUEUES]!);
      for (const q of queues) subscribers[queueIds.indexOf(q)]! += 1;
      const c: BenchClient = { ws: undefined as unknown as WebSocket, queues, seq: 0, epoch: undefined };
      clients.push(c);
      await connect(c, tokens[idx % tokens.length]!);
    }),
  );
}
const rssConnected = rssBytes(pid);
log(`${clients.length} clients connected and subscribed in ${((Date.now() - connectT0) / 1000).toFixed(1)} s; gateway RSS ${mib(rssConnected)}`);

// ---------------------------------------------------------------------------------------------
// Warm-up, then the measured span, at 1 update/s per queue
// ---------------------------------------------------------------------------------------------
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
const t0 = Date.now();
measureFrom = t0 + WARMUP_S * 1000;
measureTo = measureFrom + SECONDS * 1000;
let gwCpu0: number | undefined;
let benchCpu0: NodeJS.CpuUsage | undefined;
let rssStart: number | undefined;
let measuredBatches = 0;
let machine0 = machineTicks();
const producerLoop = (async () => {
  let next = Date.now();
  while (producing) {
    if (!measuring && gwCpu0 === undefined && Date.now() >= measureFrom) {
      measuring = true;
      gwCpu0 = cpuSeconds(pid);
      benchCpu0 = process.cpuUsage();
      rssStart = rssBytes(pid);
      machine0 = machineTicks();
      loopDelay.enable();
      log('warm-up done; measuring');
    }
    if (measuring && Date.now() >= measureTo) {
      measuring = false;
      loopDelay.disable();
    }
    if (await produceBatch()) measuredBatches += 1;
    next += 1000;
    await sleep(Math.max(0, next - Date.now()));
  }
})();

await sleep(measureTo - Date.now());
const measuredWallS = (Date.now() - measureFrom) / 1000;
const gwCpu1 = cpuSeconds(pid);
const benchCpu = process.cpuUsage(benchCpu0);
const rssEnd = rssBytes(pid);
const machine1 = machineTicks();
// Frames of the last measured batches may still be in flight: wait until they stop arriving.
await settled(() => delivered, 500, 5000);
const opsText = await opsMetrics();
const coalesced = COALESCED.exec(opsText)?.[1] ?? 'missing';
// Labelled: no series until the server closed a connection with some code.
const closesMetric = [...opsText.matchAll(/^callboard_gateway_closes_total\{[^}]*code="(\d+)"[^}]*\} (\d+)/gm)].map((m) => `${m[1]}:${m[2]}`).join(' ') || 'none';

// Quiet baseline: the clients leave; the same producer and consumer carry on for BASELINE_S.
closingAll = true;
for (const c of clients) c.ws.close(1000, 'bench done');
await Promise.all(clients.map((c) => (c.ws.readyState === WebSocket.CLOSED ? undefined : once(c.ws, 'close'))));
quietFrom = Date.now();
await sleep(BASELINE_S * 1000);
producing = false;
await producerLoop;

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------
const expected = measuredBatches * subscribers.reduce((a, b) => a + b, 0);
const p50 = latency.percentile(50);
const p99 = latency.percentile(99);
const b50 = baselineQuiet.percentile(50);
const b99 = baselineQuiet.percentile(99);
const l50 = baselineLoaded.percentile(50);
const l99 = baselineLoaded.percentile(99);
const gwCpuS = gwCpu0 !== undefined && gwCpu1 !== undefined ? gwCpu1 - gwCpu0 : Number.NaN;
const benchCpuS = (benchCpu.user + benchCpu.system) / 1e6;
const machineBusyS = (machine1.busy - machine0.busy) * TICK_S;
const machinePct = ((machine1.busy - machine0.busy) / Math.max(1, machine1.total - machine0.total)) * 100;
const firsts: number[] = [];
const spreads: number[] = [];
for (const [at, a] of batchArrivals) {
  firsts.push(a.first - at);
  spreads.push(a.last - a.first);
}
firsts.sort((x, y) => x - y);
spreads.sort((x, y) => x - y);
const med = (xs: number[]): number => xs[Math.floor(xs.length / 2)] ?? Number.NaN;
const subs = [Math.min(...subscribers), Math.max(...subscribers)];
const lines = [
  describeMachine(),
  `load: ${clients.length} clients x ${PER_CLIENT} queues of ${QUEUES} (${subs[0]}..${subs[1]} subscribers per queue), windows ${WINDOWS ? WINDOWS.join(',') : 'all'}, 1 snapshot/s per queue, ${WARMUP_S} s warm-up + ${SECONDS} s measured; kpi frame ${frameBytes} B`,
  `produced: ${produced} snapshots in ${batches.size} batches (mean produce call ${(produceMsTotal / Math.max(1, batches.size)).toFixed(1)} ms incl. encode); ${measuredBatches} batches measured`,
  `frames: delivered ${delivered} of ${expected} expected (${(expected - delivered).toString()} missing); coalesced ${coalesced}; seq gaps ${seqGaps}; epoch changes ${epochChanges}; error frames ${errorFrames}; snapshots ${snapshotsReceived}, kpi frames in all ${kpiFrames}; unexpected closes ${unexpectedCloses}, reconnects ${reconnects}; server closes ${closesMetric}`,
  `gateway delivery latency (Kafka produce -> frame received): p50 ${p50} ms, p99 ${p99} ms, max ${latency.max} ms over ${latency.count} frames (target p99 < ${TARGET_P99_MS} ms: ${p99 < TARGET_P99_MS ? 'met' : 'MISSED'})`,
  `per measured batch (${batchArrivals.size}): first frame after p50 ${med(firsts)} ms (max ${firsts.at(-1)} ms); first -> last frame of the batch p50 ${med(spreads)} ms (max ${spreads.at(-1)} ms)`,
  `baseline kafkajs consumer, quiet (after the clients left): p50 ${b50} ms, p99 ${b99} ms, max ${baselineQuiet.max} ms (${baselineQuiet.count} records)`,
  `baseline kafkajs consumer, during the measured span (same process as the clients): p50 ${l50} ms, p99 ${l99} ms, max ${baselineLoaded.max} ms (${baselineLoaded.count} records)`,
  `ratio gateway p99 / quiet baseline p99: ${(p99 / Math.max(1, b99)).toFixed(1)}x; / loaded baseline p99: ${(p99 / Math.max(1, l99)).toFixed(1)}x`,
  `gateway RSS: ready ${mib(rssReady)}, clients subscribed ${mib(rssConnected)}, measured start ${mib(rssStart)}, peak in span ${mib(rssPeakMeasured)}, end of span ${mib(rssEnd)} (peak of run ${mib(rssPeak)})`,
  `gateway CPU: ${gwCpuS.toFixed(1)} s over ${measuredWallS.toFixed(1)} s = ${((gwCpuS / measuredWallS) * 100).toFixed(0)} % of one core`,
  `machine: all cores ${machinePct.toFixed(0)} % busy over the span (${machineBusyS.toFixed(1)} CPU s; gateway + bench = ${(gwCpuS + benchCpuS).toFixed(1)} s, the rest is Kafka, Redis and any other process on the machine)`,
  `bench process CPU (clients, producer, baseline consumer; shares the same cores): ${benchCpuS.toFixed(1)} s = ${((benchCpuS / measuredWallS) * 100).toFixed(0)} % of one core; its event-loop delay p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
];
for (const l of lines) console.log(l);

// ---------------------------------------------------------------------------------------------
// Cleanup
// ---------------------------------------------------------------------------------------------
clearInterval(rssTimer);
await baseline.disconnect();
await producer.disconnect();
await stopGateway();
await stack.cleanup();
process.exit(0);
