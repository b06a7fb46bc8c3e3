import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Consumer, Producer } from 'kafkajs';
import { AlertStore } from '@callboard/alerter';
import { defaultRules, fingerprint, type RulesFile } from '@callboard/alerts';
import { type CanonicalEvent, parseEvent } from '@callboard/events';
import { QueueConfig } from '@callboard/queue-config';
import { sendByPartition, startSourceHeartbeat, type SourceHeartbeat } from '@callboard/runtime';
import { type QueueView, type SourceFreshness, WindowStore } from '@callboard/windows';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { testAggregator, testAlerter } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const TENANT = 'fresh-co';
const SOURCE = 'asterisk:pbx-test';

/**
 * Issue 10 item 5 and acceptance 4, through the real Kafka, registry and Redis: a source that stops
 * its heartbeats shows as stale in the KPI snapshots and fires the default `source-silent` alert,
 * which resolves when the source comes back. Time is moved through the aggregator's and alerter's
 * clock seam (60 s of silence in no time), never waited for.
 */
describe('source freshness: heartbeats, stale sources in snapshots, the source-silent alert', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  let producer: Producer;
  let reader: Consumer;
  const snapshots: QueueView[] = [];
  beforeAll(async () => {
    stack = await createTestStack('freshness');
    receiver = await startWebhookReceiver();
    producer = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    reader = stack.kafka.consumer({ groupId: `${stack.prefix}reader` });
    await reader.connect();
    await reader.subscribe({ topic: stack.topology.kpi.name, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const d = await stack.codec.decode(message.value);
        if (d.ok) snapshots.push(d.value as unknown as QueueView);
      },
    });
  });
  afterAll(async () => {
    await reader?.disconnect();
    await producer?.disconnect();
    await receiver?.close();
    await stack?.cleanup();
  });

  it('a silent source turns stale and fires its alert; back, it is fresh and the alert resolves', async () => {
    let skewMs = 0;
    const clock = () => Date.now() + skewMs;
    const redis = stack.redis();
    await redis.connect();
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const store = new WindowStore(redis, { namespace });
    const alertStore = new AlertStore(redis, namespace);
    const shipped = defaultRules();
    const rules: RulesFile = {
      ...shipped,
      groups: { ...shipped.groups, groupWaitMs: 0, groupIntervalMs: 0 },
      routes: { default: { type: 'webhook', url: receiver.url } },
      rules: shipped.rules.filter((r) => r.id === 'source-silent'),
    };
    const aggregator = testAggregator(stack, store, { queues: QueueConfig.defaults(), snapshotIntervalMs: 250, now: clock });
    const alerter = testAlerter(stack, alertStore, rules, { tickMs: 250, now: clock });
    await aggregator.start();
    await alerter.start();
    const heartbeat = (): Promise<SourceHeartbeat> => startSourceHeartbeat({ producer, codec: stack.codec, logger: stack.logger, tenantId: TENANT, source: SOURCE, intervalMs: 300, now: clock });
    let hb = await heartbeat();
    const fp = fingerprint('source-silent', TENANT, `source:${SOURCE}`);
    const ours = (s: QueueView): SourceFreshness | undefined => (s.tenantId === TENANT ? s.sources?.find((x) => x.source === SOURCE) : undefined);
    const latestOurs = (): SourceFreshness | undefined => snapshots.map(ours).filter((x) => x !== undefined).at(-1);
    try {
      // An event of the source, 5 s old, through Kafka and the aggregator.
      const occurredAt = new Date(clock() - 5_000).toISOString();
      const event: CanonicalEvent = parseEvent({ eventId: `fresh-${randomBytes(3).toString('hex')}`, type: 'call.offered', occurredAt, tenantId: TENANT, source: SOURCE, callId: 'c1', queueId: 'support', channel: 'voice', direction: 'inbound' });
      const record = await stack.codec.encodeEvent(event);
      await sendByPartition(producer, stack.topology, record.topic, [{ key: record.key, value: record.value }]);
      hb.noteEvent(Date.parse(occurredAt));

      const fresh = await waitFor('a snapshot with the source, its event and a heartbeat reporting it', () => {
        const s = latestOurs();
        return s && s.newestEventAt === occurredAt && s.reportedNewestEventAt === occurredAt ? s : undefined;
      });
      expect(fresh).toMatchObject({ stale: false, staleReason: null });
      expect(fresh.newestEventAgeMs).toBeGreaterThanOrEqual(5_000);
      expect(fresh.heartbeatAgeMs).toBeLessThan(60_000);

      // The adapter dies: no more heartbeats. 61 s pass on the pipeline's clock.
      await hb.stop();
      skewMs += 61_000;
      const silent = await waitFor('a snapshot marking the source stale', () => {
        const s = latestOurs();
        return s?.stale ? s : undefined;
      });
      expect(silent.staleReason).toBe('heartbeat-silent');
      expect(silent.newestEventAt).toBe(occurredAt); // the newest event stays honest: old, not refreshed by ticks
      expect(silent.newestEventAgeMs).toBeGreaterThan(65_000);
      await waitFor('the source-silent alert to fire', () => (receiver.alerts().some((a) => a.fingerprint === fp && a.kind === 'fire') ? true : undefined));
      const fired = receiver.alerts().find((a) => a.fingerprint === fp && a.kind === 'fire')!;
      expect(fired).toMatchObject({ ruleId: 'source-silent', tenantId: TENANT, queueId: `source:${SOURCE}` });

      // It comes back: heartbeats again, fresh, and the alert resolves.
      hb = await heartbeat();
      await waitFor('a snapshot with the source fresh again', () => (latestOurs()?.stale === false ? true : undefined));
      await waitFor('the source-silent alert to resolve', () => (receiver.alerts().some((a) => a.fingerprint === fp && a.kind === 'resolve') ? true : undefined));
      expect(receiver.alerts().filter((a) => a.fingerprint === fp && a.kind === 'fire')).toHaveLength(1);
    } finally {
      await hb.stop();
      await alerter.close();
      await aggregator.close();
    }
  }, 120_000);
});
