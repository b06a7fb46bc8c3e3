import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Producer } from 'kafkajs';
import { isCallboardError } from '@callboard/errors';
import { createTestStack, readBack, type TestStack } from '../../../test/helpers/infra.js';
import { createMetricsRegistry, startSourceHeartbeat, startSourceHeartbeats } from '../src/index.js';

/** The heartbeat producer B (ingest-asterisk) and C (ingest-http) call, against the real Kafka and registry. */
describe('source heartbeats', () => {
  let stack: TestStack;
  let producer: Producer;
  beforeAll(async () => {
    stack = await createTestStack('heartbeat');
    producer = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
  });
  afterAll(async () => {
    await producer?.disconnect();
    await stack?.cleanup();
  });

  it('beats at once, then carries the newest event time and count, keyed tenant/source', async () => {
    let clock = Date.parse('2026-12-01T06:00:00.000Z');
    const metrics = createMetricsRegistry('test');
    // A long interval: only the first beat and the explicit one go out, so the test reads exactly two.
    const hb = await startSourceHeartbeat({ producer, codec: stack.codec, logger: stack.logger, metrics, tenantId: 'acme', source: 'asterisk:pbx1', intervalMs: 3_600_000, now: () => clock });
    hb.noteEvent(Date.parse('2026-12-01T05:59:58.000Z'));
    hb.noteEvent(Date.parse('2026-12-01T05:59:50.000Z')); // older: the newest stays
    clock += 10_000;
    await hb.beat();
    await hb.stop();
    const records = await readBack(stack, stack.topology.sourceStatus.name, (r) => r.length >= 2);
    expect(records).toHaveLength(2);
    const [first, second] = records.sort((a, b) => String(a.sentAt).localeCompare(String(b.sentAt)));
    expect(first).toMatchObject({ _key: 'acme/asterisk:pbx1', tenantId: 'acme', source: 'asterisk:pbx1', sentAt: '2026-12-01T06:00:00.000Z', eventsSent: 0, intervalMs: 3_600_000 });
    expect(first!.newestEventAt).toBeUndefined();
    expect(second).toMatchObject({ _key: 'acme/asterisk:pbx1', sentAt: '2026-12-01T06:00:10.000Z', newestEventAt: '2026-12-01T05:59:58.000Z', eventsSent: 2, instanceId: first!.instanceId });
    expect((await metrics.getSingleMetricAsString('callboard_source_heartbeats_total'))).toContain('{result="sent",service="test"} 2');
  });

  it('beats for every (tenant, source) seen and forgets one silent past forgetAfterMs', async () => {
    let clock = Date.parse('2026-12-01T07:00:00.000Z');
    const beats = await startSourceHeartbeats({ kafka: stack.kafka, codec: stack.codec, logger: stack.logger, intervalMs: 3_600_000, forgetAfterMs: 60_000, now: () => clock });
    beats.noteEvent('t1', 'crm', clock - 1000);
    beats.noteEvent('t2', 'crm', clock - 2000);
    beats.noteEvent('t3', '', clock); // an empty source (the contract allows it) is ignored, never thrown
    beats.noteEvent('not/an-id', 'crm', clock);
    await beats.beat();
    clock += 61_000;
    beats.noteEvent('t1', 'crm', clock - 500);
    await beats.beat(); // t2/crm has been silent 61 s: no beat for it
    await beats.stop();
    const records = await readBack(stack, stack.topology.sourceStatus.name, (r) => r.filter((x) => String(x.sentAt).startsWith('2026-12-01T07')).length >= 3);
    const ours = records.filter((x) => String(x.sentAt).startsWith('2026-12-01T07'));
    expect(ours.map((r) => `${r._key} ${r.sentAt}`).sort()).toEqual(['t1/crm 2026-12-01T07:00:00.000Z', 't1/crm 2026-12-01T07:01:01.000Z', 't2/crm 2026-12-01T07:00:00.000Z']);
  });

  it('a send that fails rejects beat() with CB_KAFKA_UNAVAILABLE and counts it, and the next beat tries again', async () => {
    const metrics = createMetricsRegistry('test');
    // A real producer never connected: kafkajs refuses its sends.
    const down = stack.kafka.producer({ allowAutoTopicCreation: false });
    const hb = await startSourceHeartbeat({ producer: down, codec: stack.codec, logger: stack.logger, metrics, tenantId: 'acme', source: 'sim', intervalMs: 3_600_000 });
    const first = await hb.beat().catch((e: unknown) => e);
    expect(isCallboardError(first, 'CB_KAFKA_UNAVAILABLE')).toBe(true);
    await down.connect();
    await hb.beat();
    await hb.stop();
    await down.disconnect();
    const text = await metrics.getSingleMetricAsString('callboard_source_heartbeats_total');
    expect(text).toContain('{result="failed",service="test"}');
    expect(text).toContain('{result="sent",service="test"} 1');
  });

  it('refuses a tenant id that is not an identifier', async () => {
    const err = await startSourceHeartbeat({ producer, codec: stack.codec, logger: stack.logger, tenantId: 'no/slash', source: 'x' }).catch((e: unknown) => e);
    expect(isCallboardError(err, 'CB_USAGE')).toBe(true);
  });
});
