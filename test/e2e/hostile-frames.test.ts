import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Aggregator } from '@callboard/aggregator';
import { parseEvent } from '@callboard/events';
import { createMetricsRegistry, type Redis } from '@callboard/runtime';
import { readWindow, WindowStore } from '@callboard/windows';
import { frame, hostileAgentBodies, instantOutOfRangeBody, poisonOfferBody } from '../../packages/events/test/hostile-frames.js';
import { HOSTILE_LINES, ODD_BUT_VALID_LINES } from '../../packages/events/test/hostile-lines.js';
import { callboard } from '../helpers/cli.js';
import { createTestStack, readBack, type DecodedRecord, type TestStack } from '../helpers/infra.js';
import { queueConfig, testAggregator, waitUntilConsumed } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue 9, bad inputs end to end: a frame that made avsc abort the process (a call.offered body under the
 * agent schema's id: V8 "Fatal JavaScript invalid size error", exit 133) and its kin, sent as raw bytes
 * among good records, go to the DLQ with CB_EVENT_AVRO_DECODE through the real aggregator, which applies
 * the good records around them, counts them in its DLQ metric and stays healthy; and `callboard
 * produce` reports every hostile line of a file as FILE:LINE: CODE: reason and sends the good ones.
 */
describe('hostile frames through the real aggregator', () => {
  let stack: TestStack;
  let redis: Redis;
  let store: WindowStore;
  let aggregator: Aggregator | undefined;
  const metrics = createMetricsRegistry('test');

  beforeAll(async () => {
    stack = await createTestStack('hostile');
    redis = stack.redis();
    await redis.connect();
    store = new WindowStore(redis, { namespace: `t${randomBytes(4).toString('hex')}` });
    aggregator = testAggregator(stack, store, { metrics });
    await aggregator.start();
  });
  afterAll(async () => {
    await aggregator?.close();
    await stack?.cleanup();
  });

  it('sends each to the DLQ as CB_EVENT_AVRO_DECODE, applies the good records around them, and keeps consuming', async () => {
    const now = Date.now();
    const tenantId = 'acme-telecom';
    const queueId = 'billing';
    const offer = (i: number) =>
      parseEvent({ eventId: `hf-${i}`, type: 'call.offered', occurredAt: new Date(now - 60_000 + i).toISOString(), tenantId, queueId, callId: `hf-call-${i}`, channel: 'voice', direction: 'inbound' });
    const agentEvent = (i: number) => parseEvent({ eventId: `hf-a-${i}`, type: 'agent.state_changed', occurredAt: new Date(now - 60_000 + i).toISOString(), tenantId, agentId: 'hf-agent', state: 'available', queueIds: [queueId] });
    const agentSchemaId = await stack.codec.schemaId(stack.topology.agentEvents.name);
    const callSchemaId = await stack.codec.schemaId(stack.topology.callEvents.name);
    const poison = frame(agentSchemaId, poisonOfferBody());
    expect(poison.length).toBe(97);
    // One key per topic, so every record of a topic sits in one partition: good, hostile, good. The
    // first hostile agent body is the poison's.
    const hostileAgent = hostileAgentBodies().map((h) => frame(agentSchemaId, h.body));
    expect(hostileAgent[0]).toEqual(poison);
    const hostileCall = [frame(callSchemaId, instantOutOfRangeBody(offer(99), 8.64e15 + 2))];
    const producer = stack.kafka.producer();
    await producer.connect();
    try {
      const calls = [offer(1), offer(2), offer(3)].map((e) => stack.codec.encodeEvent(e));
      const agents = [agentEvent(1), agentEvent(2)].map((e) => stack.codec.encodeEvent(e));
      const [c1, c2, c3] = await Promise.all(calls);
      const [a1, a2] = await Promise.all(agents);
      await producer.send({ topic: stack.topology.agentEvents.name, messages: [a1!, ...hostileAgent.map((value) => ({ value })), a2!].map((m) => ({ key: 'hf-agent', value: m.value })) });
      await producer.send({ topic: stack.topology.callEvents.name, messages: [c1!, c2!, ...hostileCall.map((value) => ({ value })), c3!].map((m) => ({ key: 'hf-call', value: m.value })) });
    } finally {
      await producer.disconnect();
    }
    await waitUntilConsumed(stack, `${stack.prefix}agg`);

    const hostile = [...hostileAgent, ...hostileCall];
    const dlq: DecodedRecord[] = await readBack(stack, stack.topology.dlq.name, (rs) => rs.length >= hostile.length);
    expect(dlq).toHaveLength(hostile.length);
    expect(dlq.every((r) => r.reasonCode === 'CB_EVENT_AVRO_DECODE' && r.service === 'aggregator')).toBe(true);
    // Kept whole: the DLQ holds each frame's bytes as sent.
    expect(dlq.map((r) => Buffer.from(r.value as Buffer).toString('hex')).sort()).toEqual(hostile.map((b) => b.toString('hex')).sort());
    const poisoned = dlq.find((r) => Buffer.from(r.value as Buffer).equals(poison));
    expect(poisoned).toMatchObject({ sourceTopic: stack.topology.agentEvents.name, reason: expect.stringMatching(/^Avro decoding failed: array block count \d+ at byte 80 exceeds the \d+ bytes left$/) });
    expect(dlq.find((r) => r.sourceTopic === stack.topology.callEvents.name)).toMatchObject({ reason: 'Avro decoding failed: timestamp-millis 8640000000000002 is outside the range of a date' });

    // The metric counts them by reason.
    const counter = metrics.getSingleMetric('callboard_dlq_records_total');
    const counted = (await counter!.get()).values.filter((v) => v.labels.reason === 'CB_EVENT_AVRO_DECODE').reduce((sum, v) => sum + v.value, 0);
    expect(counted).toBe(hostile.length);

    // The good records before and after them were applied, and the consumer is healthy.
    const billing = queueConfig.resolve(tenantId, queueId);
    await waitFor('the three good offers applied', async () => ((await readWindow(store, billing, 'rolling-15m', Date.now(), Date.now())).counts.offered === 3 ? true : undefined), 30_000);
    const view = await readWindow(store, billing, 'rolling-15m', Date.now(), Date.now());
    expect(view.counts.offered).toBe(3);
    expect(aggregator!.isReady()).toBe(true);

    // And it keeps consuming the same partitions: one more good offer after the hostile ones.
    const more = await stack.codec.encodeEvent(offer(4));
    const p2 = stack.kafka.producer();
    await p2.connect();
    try {
      await p2.send({ topic: more.topic, messages: [{ key: 'hf-call', value: more.value }] });
    } finally {
      await p2.disconnect();
    }
    await waitFor('the offer sent after the hostile frames applied', async () => ((await readWindow(store, billing, 'rolling-15m', Date.now(), Date.now())).counts.offered === 4 ? true : undefined), 30_000);
    expect(aggregator!.isReady()).toBe(true);
  });
});

describe('callboard produce on a file of hostile lines', () => {
  let stack: TestStack;
  const dir = mkdtempSync(join(tmpdir(), 'cb-hostile-'));
  beforeAll(async () => {
    stack = await createTestStack('hostile-cli');
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await stack?.cleanup();
  });

  it('reports FILE:LINE: CODE: reason for each bad line, sends the good ones, exits 1', async () => {
    const file = join(dir, 'hostile.jsonl');
    const lines = [...HOSTILE_LINES.map((h) => h.line), ...ODD_BUT_VALID_LINES.map((v) => v.line)];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await callboard(['produce', '--input', file], { CB_TOPIC_PREFIX: stack.prefix });
    expect(r.code, r.stderr.slice(0, 2000)).toBe(1);
    const reported = r.stderr.split('\n').filter((l) => l.startsWith(`${file}:`));
    expect(reported).toHaveLength(HOSTILE_LINES.length);
    HOSTILE_LINES.forEach((h, i) => {
      const prefix = `${file}:${i + 1}: ${h.code}: `;
      expect(reported[i]!.startsWith(prefix), `${h.name}: ${reported[i]!.slice(0, 300)}`).toBe(true);
      expect(reported[i]!.slice(prefix.length), h.name).toMatch(h.reason);
    });
    expect(r.stderr).toContain(`produce: ${ODD_BUT_VALID_LINES.length} sent, ${HOSTILE_LINES.length} bad line(s)`);
    const sent = await readBack(stack, stack.topology.callEvents.name, (rs) => rs.length >= ODD_BUT_VALID_LINES.length);
    expect(sent.map((e) => e.eventId).sort()).toEqual(ODD_BUT_VALID_LINES.map((v) => v.eventId).sort());
  });
});
