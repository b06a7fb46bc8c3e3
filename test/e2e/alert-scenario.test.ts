import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore } from '@callboard/alerter';
import { defaultRules, fingerprint } from '@callboard/alerts';
import { QueueConfig } from '@callboard/queue-config';
import { createKafkaSink, createMemorySink, runSimulation, type SimulatorConfigInput } from '@callboard/simulator';
import { computeOracle } from '@callboard/kpi';
import { WindowStore } from '@callboard/windows';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { dispatchSettled } from '../helpers/alerter-bed.js';
import { testAggregator, testAlerter, waitUntilConsumed } from '../helpers/pipeline.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const MIN = 60_000;
const TENANT = 'scenario-co';
/** Simulated ms per wall ms: 85 simulated minutes take under a minute and a half. */
const SPEED = 60;

const voice = {
  channel: 'voice',
  maxWaitMs: 900_000,
  talk: { medianMs: 170_000, sigma: 0.4 },
  wrap: { medianMs: 20_000, sigma: 0.3 },
  patience: { medianMs: 300_000, sigma: 0.5, impatientFraction: 0.02, impatientMeanMs: 2_500 },
} as const;

const config: SimulatorConfigInput = {
  tenants: [
    {
      tenantId: TENANT,
      timeZone: 'UTC',
      profile: 'flat',
      queues: [
        { queueId: 'billing', baseCallsPerHour: 120, ...voice },
        { queueId: 'sales', baseCallsPerHour: 40, ...voice },
      ],
      agentGroups: [
        { name: 'billing', count: 15, skills: ['billing'], shift: { startHour: 0, endHour: 24 } },
        { name: 'sales', count: 6, skills: ['sales'], shift: { startHour: 0, endHour: 24 } },
      ],
    },
  ],
};

describe('an alert scenario from simulated traffic through the aggregator and the alerter', () => {
  let stack: TestStack;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    stack = await createTestStack('scenario');
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.cleanup();
  });

  it('agents leave billing: the predictive alert fires first, then the SL alert once; they return: one resolve', async () => {
    const wall0 = Date.now();
    const start = Math.floor((wall0 - 100 * MIN) / 1000) * 1000;
    // Every component runs on the simulated clock, which reaches the real one after 100 simulated minutes.
    const clock = () => start + (Date.now() - wall0) * SPEED;
    const redis = stack.redis();
    await redis.connect();
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const rules = defaultRules();
    const rulesForTest = { ...rules, routes: { default: { type: 'webhook' as const, url: receiver.url } } };
    const aggregator = testAggregator(stack, new WindowStore(redis, { namespace }), { queues: QueueConfig.defaults(), snapshotIntervalMs: 250, now: clock });
    const store = new AlertStore(redis, namespace);
    const alerter = testAlerter(stack, store, rulesForTest, { tickMs: 250, now: clock });
    await aggregator.start();
    await alerter.start();
    const producer = stack.kafka.producer();
    await producer.connect();
    const truth = createMemorySink();
    try {
      await runSimulation({
        config,
        seed: 17,
        start,
        durationMs: 85 * MIN,
        speed: SPEED,
        wallStart: wall0,
        scenario: [
          { at: 20 * MIN, action: 'removeAgents', queueId: 'billing', count: 13 },
          { at: 50 * MIN, action: 'restoreAgents', queueId: 'billing' },
        ],
        sinks: { faulty: [createKafkaSink({ producer, codec: stack.codec })], truth },
      });
      // Let the last snapshots and notifications through: every event applied, a snapshot of it all
      // published and evaluated, and every notification that came of it sent.
      await waitUntilConsumed(stack, `${stack.prefix}agg`);
      await aggregator.publishSnapshots();
      await waitUntilConsumed(stack, `${stack.prefix}alerter`, 60_000, [stack.topology.kpi.name]);
      await dispatchSettled(store);
    } finally {
      await producer.disconnect();
      await alerter.close();
      await aggregator.close();
    }
    const alerts = receiver.alerts();
    const of = (ruleId: string, queueId: string, kind: string) => alerts.filter((a) => a.fingerprint === fingerprint(ruleId, TENANT, queueId) && a.kind === kind);
    const slFires = of('sl-below-target', 'billing', 'fire');
    // What the queue really did, per rolling 15 minutes, for the message of a failure.
    const events = truth.items.map((i) => i.event);
    const story = Array.from({ length: 17 }, (_, k) => {
      const q = computeOracle(events, { from: start + k * 5 * MIN - 15 * MIN, to: start + k * 5 * MIN }).queues.find((x) => x.queueId === 'billing');
      return `+${k * 5}m SL ${q?.sl.negativeAbandon?.toFixed(2) ?? '-'}`;
    }).join(', ');
    const heard = alerts.map((a) => `${a.ruleId}/${a.queueId} ${a.kind} +${((a.at - start) / MIN).toFixed(1)}m`).join(', ');
    const predictive = of('projected-sl-breach', 'billing', 'fire');
    expect(slFires, `${heard}\n${story}`).toHaveLength(1);
    expect(of('sl-below-target', 'billing', 'resolve')).toHaveLength(1);
    expect(predictive.length).toBeGreaterThanOrEqual(1);
    expect(predictive[0]!.at).toBeLessThan(slFires[0]!.at);
    // The SL alert fired after the agents left and resolved after they came back.
    expect(slFires[0]!.at, `${heard}\n${story}`).toBeGreaterThan(start + 20 * MIN);
    expect(of('sl-below-target', 'billing', 'resolve')[0]!.at).toBeGreaterThan(start + 50 * MIN);
    expect(of('sl-below-target', 'sales', 'fire')).toHaveLength(0);
    expect(receiver.posts.length).toBe(receiver.unique().length);
  }, 240_000);
});
