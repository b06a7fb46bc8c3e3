import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Aggregator } from '@callboard/aggregator';
import type { CanonicalEventInput } from '@callboard/events';
import { createIngestHttp, EVENTS_PATH, type IngestHttp } from '@callboard/ingest-http';
import { computeOracle } from '@callboard/kpi';
import { createMetricsRegistry, type Redis } from '@callboard/runtime';
import { issueToken } from '@callboard/tokens';
import { WindowStore } from '@callboard/windows';
import { callboard } from '../helpers/cli.js';
import { createTestStack, readBack, readTopicsToEnd, type TestStack } from '../helpers/infra.js';
import { childEnv, exited, queueConfig, REPO_ROOT, testAggregator, waitUntilConsumed } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

/** CB_INGEST_TOKEN_SECRET, apart from the gateway's CB_GATEWAY_SECRET (issue 10, round 2). */
const SECRET = `e2e-secret-${randomBytes(16).toString('hex')}`;
const GATEWAY_SECRET = `e2e-gateway-${randomBytes(16).toString('hex')}`;
const TENANT = 'acme-telecom';
const QUEUE = 'billing';
const MIN = 60_000;

/** Six calls of one queue a few minutes ago: four answered and completed, two abandoned. */
function calls(runId: string, now: number): CanonicalEventInput[] {
  const events: CanonicalEventInput[] = [];
  for (let i = 0; i < 6; i += 1) {
    const callId = `${runId}-call-${i}`;
    const at = now - 10 * MIN + i * 30_000;
    const base = { tenantId: TENANT, queueId: QUEUE, callId };
    events.push({ ...base, eventId: `${callId}-o`, type: 'call.offered', occurredAt: new Date(at).toISOString(), channel: 'voice', direction: 'inbound' });
    if (i < 4) {
      events.push({ ...base, eventId: `${callId}-a`, type: 'call.answered', occurredAt: new Date(at + 5000 + i * 10_000).toISOString(), agentId: `agent-${i}`, waitMs: 5000 + i * 10_000 });
      events.push({ ...base, eventId: `${callId}-c`, type: 'call.completed', occurredAt: new Date(at + 120_000).toISOString(), agentId: `agent-${i}`, talkMs: 100_000, holdMs: 0, wrapMs: 10_000, transferred: false });
    } else events.push({ ...base, eventId: `${callId}-x`, type: 'call.abandoned', occurredAt: new Date(at + 8000).toISOString(), waitMs: 8000 });
  }
  return events;
}

describe('HTTP ingest into the aggregator, with the real Kafka, registry and Redis (issue 10 item 3)', () => {
  let stack: TestStack;
  let redis: Redis;
  let store: WindowStore;
  let aggregator: Aggregator | undefined;
  let ingest: IngestHttp | undefined;
  const producerClose: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    stack = await createTestStack('ingest-http-e2e');
    redis = stack.redis();
    await redis.connect();
    store = new WindowStore(redis, { namespace: `t${randomBytes(4).toString('hex')}` });
    aggregator = testAggregator(stack, store);
    await aggregator.start();
    const producer = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    producerClose.push(() => producer.disconnect());
    ingest = createIngestHttp({
      producer,
      codec: stack.codec,
      logger: stack.logger,
      metrics: createMetricsRegistry('ingest-http-e2e'),
      config: { port: 0, host: '127.0.0.1', opsPort: 0, opsHost: '127.0.0.1', tokenSecrets: [SECRET], limits: { maxBodyBytes: 1_048_576, maxEvents: 5000, ratePerSecond: 100, rateBurst: 100, sendTimeoutMs: 15_000 } },
    });
    await ingest.start();
  });
  afterAll(async () => {
    await ingest?.close();
    for (const close of producerClose) await close();
    await aggregator?.close();
    await stack?.cleanup();
  });

  it('counts a retried request once: both copies are in Kafka, the KPIs equal the oracle over the events', async () => {
    const now = Date.now();
    const events = calls(randomBytes(3).toString('hex'), now);
    const body = events.map((e) => JSON.stringify(e)).join('\n');
    const token = await issueToken({ tenantId: TENANT, role: 'ingest', ttlSeconds: 600 }, SECRET);
    const post = () => fetch(`${ingest!.url}${EVENTS_PATH}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body });
    // The client retries, as it would after a timeout that hid the first 202.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      const res = await post();
      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ accepted: events.length, rejected: [] });
    }
    const held = await readTopicsToEnd(stack, [stack.topology.callEvents.name]);
    const copies = new Map<string, number>();
    for (const r of held) if (r.event) copies.set(r.event.eventId, (copies.get(r.event.eventId) ?? 0) + 1);
    expect(events.map((e) => copies.get(e.eventId))).toEqual(events.map(() => 2));

    await waitUntilConsumed(stack, `${stack.prefix}agg`, 120_000, [stack.topology.callEvents.name]);
    const from = now - 60 * MIN;
    const read = await store.readRange(TENANT, QUEUE, from, now + MIN, Date.now());
    const [oracle] = computeOracle(
      held.flatMap((r) => (r.event ? [r.event] : [])),
      { from, to: now + MIN, settings: (t, q) => queueConfig.resolve(t, q) },
    ).queues;
    expect(read.counts).toEqual(oracle!.counts);
    expect(read.counts).toMatchObject({ offered: 6, answered: 4, abandoned: 2, completed: 4 });
  });

  it('runs as `callboard run ingest-http`, takes events with a `callboard token --role ingest` token (CB_INGEST_TOKEN_SECRET) only, and sends the source\'s heartbeats', async () => {
    // Both secrets in one environment, as the demo has them: the service checks with the ingest one only.
    const env = { CB_GATEWAY_SECRET: GATEWAY_SECRET, CB_INGEST_TOKEN_SECRET: SECRET, CB_TOPIC_PREFIX: stack.prefix };
    const issued = await callboard(['token', '--tenant', TENANT, '--role', 'ingest', '--ttl', '10m'], env);
    expect(issued.code, issued.stderr).toBe(0);
    const wallboard = await callboard(['token', '--tenant', TENANT, '--role', 'wallboard', '--ttl', '10m'], env);
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'run', 'ingest-http'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv({ ...env, CB_LOG_LEVEL: 'info', CB_INGEST_HTTP_PORT: '0', CB_INGEST_HTTP_OPS_PORT: '0' }),
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const port = await waitFor('the service to listen', () => /"port":(\d+)[^\n]*POST \/api\/v1\/events/.exec(out)?.[1], 60_000, 100);
      const url = `http://127.0.0.1:${port}${EVENTS_PATH}`;
      const event = calls(`cli-${randomBytes(3).toString('hex')}`, Date.now())[0]!;
      const send = (t: string) => fetch(url, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: JSON.stringify([event]) });
      // The wallboard token is the gateway secret's, and so is an ingest-role token signed with it: forgeries here.
      const refused = await send(wallboard.stdout.trim());
      expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([401, 'CB_TOKEN_INVALID']);
      const gatewaySigned = await send(await issueToken({ tenantId: TENANT, role: 'ingest', ttlSeconds: 600 }, GATEWAY_SECRET));
      expect([gatewaySigned.status, ((await gatewaySigned.json()) as { error: { code: string } }).error.code]).toEqual([401, 'CB_TOKEN_INVALID']);
      const ok = await send(issued.stdout.trim());
      expect([ok.status, await ok.json()]).toEqual([202, { accepted: 1, rejected: [] }]);
      const held = await readTopicsToEnd(stack, [stack.topology.callEvents.name]);
      expect(held.some((r) => r.event?.eventId === event.eventId)).toBe(true);
      // The tenant's HTTP source is heard from on cc.source-status.v1 (issue 10 item 5), with its newest event.
      const beats = await readBack(stack, stack.topology.sourceStatus.name, (records) => records.some((b) => b.tenantId === TENANT && b.source === 'http' && b.newestEventAt !== undefined), 40_000);
      const beat = beats.find((b) => b.tenantId === TENANT && b.source === 'http');
      expect(beat).toMatchObject({ eventsSent: 1 });
      expect(new Date(beat!.newestEventAt as string | Date).getTime()).toBe(Date.parse(event.occurredAt));
      // No token ever reaches the log.
      expect(out).not.toContain(issued.stdout.trim());
      expect(out).not.toContain(wallboard.stdout.trim());
    } finally {
      child.kill('SIGTERM');
      await exited(child);
    }
    expect(child.exitCode, out).toBe(0);
  });
});
