/**
 * Breach → alert latency (issue #4, DESIGN §9): from producing the event that breaches a rule to the
 * `fire` record on cc.alerts.v1, through the real aggregator and alerter, with `forMs` 0 so the rule's
 * own wait is excluded. A bare Kafka produce → consume round trip is measured beside it as the baseline.
 *
 *   npx tsx test/bench/alerts/run.ts [--samples 200] [--queues 10]
 */
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { Consumer } from 'kafkajs';
import { AlertStore } from '@callboard/alerter';
import { loadRules } from '@callboard/alerts';
import { parseEvent } from '@callboard/events';
import { QueueConfig } from '@callboard/queue-config';
import { createMetricsRegistry } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { createTestStack } from '../../helpers/infra.js';
import { testAggregator, testAlerter } from '../../helpers/pipeline.js';

const { values } = parseArgs({ options: { samples: { type: 'string', default: '200' }, queues: { type: 'string', default: '10' } } });
const SAMPLES = Number(values.samples);
const QUEUES = Number(values.queues);
const TENANT = 'bench-co';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const stack = await createTestStack('bench-alerts');
const redis = stack.redis();
await redis.connect();
const namespace = `b${randomBytes(4).toString('hex')}`;
const rules = loadRules(
  JSON.stringify({
    version: 1,
    groups: { groupBy: ['tenantId', 'ruleId', 'kind'], groupWaitMs: 0, groupIntervalMs: 1000, repeatIntervalMs: 3_600_000 },
    routes: { hook: { type: 'webhook', url: 'http://127.0.0.1:9/unused' } },
    rules: [{ id: 'waiting', name: 'A call is waiting', metric: 'live.callsWaiting', comparator: '>', fire: 0.5, clear: 0.5, forMs: 0, keepFiringForMs: 0, severity: 'warning', routes: [] }],
  }),
);
const aggregator = testAggregator(stack, new WindowStore(redis, { namespace }), { queues: QueueConfig.defaults(), metrics: createMetricsRegistry('bench') });
const alerter = testAlerter(stack, new AlertStore(redis, namespace), rules, {
  metrics: createMetricsRegistry('bench'),
  tickMs: 1000,
  webhook: { timeoutMs: 1000, maxAttempts: 1, backoff: { initialDelayMs: 100, maxDelayMs: 100 } },
});
await aggregator.start();
await alerter.start();

/** Resolves once `consumer` has joined its group: a consumer reading from the end misses what comes before. */
function joined(consumer: Consumer): Promise<void> {
  return new Promise((resolve) => {
    const remove = consumer.on(consumer.events.GROUP_JOIN, () => {
      remove();
      resolve();
    });
  });
}

/** Polls `done` until it holds or `timeoutMs` passes; says whether it held. */
async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return done();
}

// Every fire and resolve record, as it arrives.
const arrivals = new Map<string, number>();
const resolved = new Set<string>();
const reader = stack.kafka.consumer({ groupId: `${stack.prefix}reader` });
const readerJoined = joined(reader);
await reader.connect();
await reader.subscribe({ topic: stack.topology.alerts.name, fromBeginning: false });
await reader.run({
  eachMessage: async ({ message }) => {
    const d = await stack.codec.decode(message.value);
    if (d.ok && d.value.kind === 'fire') arrivals.set(`${d.value.queueId}#${d.value.episode}`, Date.now());
    if (d.ok && d.value.state === 'resolved') resolved.add(`${d.value.queueId}#${d.value.episode}`);
  },
});
// Baseline: the same client's produce → consume round trip on a topic of the same broker.
const baseline: number[] = [];
const sentAt = new Map<string, number>();
const echo = stack.kafka.consumer({ groupId: `${stack.prefix}echo` });
const echoJoined = joined(echo);
await echo.connect();
await echo.subscribe({ topic: stack.topology.late.name, fromBeginning: false });
await echo.run({
  eachMessage: async ({ message }) => {
    const t = sentAt.get(message.key!.toString());
    if (t !== undefined) baseline.push(Date.now() - t);
  },
});
await Promise.all([readerJoined, echoJoined]);

const producer = stack.kafka.producer();
await producer.connect();
const latencies: number[] = [];
const cpu0 = process.cpuUsage();
const t0 = Date.now();
let seq = 0;
async function send(input: Record<string, unknown>): Promise<number> {
  const r = await stack.codec.encodeEvent(parseEvent({ eventId: `b-${seq++}`, tenantId: TENANT, occurredAt: new Date().toISOString(), ...input }));
  const at = Date.now();
  await producer.send({ topic: r.topic, acks: -1, messages: [{ key: r.key, value: r.value }] });
  return at;
}
async function lane(q: number, count: number): Promise<void> {
  const queueId = `q${q}`;
  for (let episode = 1; episode <= count; episode += 1) {
    const callId = `${queueId}-c${episode}`;
    const producedAt = await send({ type: 'call.offered', queueId, callId, channel: 'voice', direction: 'inbound' });
    const key = `${queueId}#${episode}`;
    if (await until(() => arrivals.has(key), 15_000)) latencies.push(arrivals.get(key)! - producedAt);
    await send({ type: 'call.abandoned', queueId, callId, waitMs: 1000 });
    // The episode must resolve before the next offer, or that offer would not start a new one.
    await until(() => resolved.has(key), 15_000);
    const k = `echo-${q}-${episode}`;
    sentAt.set(k, Date.now());
    await producer.send({ topic: stack.topology.late.name, messages: [{ key: k, value: Buffer.from('x') }] });
  }
}
await Promise.all(Array.from({ length: QUEUES }, (_, q) => lane(q, Math.ceil(SAMPLES / QUEUES))));
// The last baseline round trips may still be on their way.
await until(() => baseline.length >= sentAt.size, 5_000);
const cpu = process.cpuUsage(cpu0);
const wallS = (Date.now() - t0) / 1000;

latencies.sort((a, b) => a - b);
baseline.sort((a, b) => a - b);
const p50 = percentile(latencies, 50);
const p99 = percentile(latencies, 99);
const b50 = percentile(baseline, 50);
const b99 = percentile(baseline, 99);
console.log(`machine: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
console.log(`samples: ${latencies.length} breaches over ${QUEUES} queues (asked ${SAMPLES}); ${SAMPLES - latencies.length} missed`);
console.log(`breach → fire record on cc.alerts.v1: p50 ${p50} ms, p99 ${p99} ms, max ${latencies.at(-1)} ms (target p99 < 1500 ms: ${p99 < 1500 ? 'met' : 'MISSED'})`);
console.log(`baseline Kafka produce → consume:       p50 ${b50} ms, p99 ${b99} ms (${baseline.length} samples)`);
console.log(`ratio p99 / baseline p99: ${(p99 / Math.max(1, b99)).toFixed(1)}x`);
console.log(`bench process CPU: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s over ${wallS.toFixed(0)} s wall (aggregator and alerter run in this process)`);

await producer.disconnect();
await reader.disconnect();
await echo.disconnect();
await alerter.close();
await aggregator.close();
await stack.cleanup();
process.exit(0);
