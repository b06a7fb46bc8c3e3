import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertStore, RulesSource } from '@callboard/alerter';
import { type AlertState, loadRules, sampleRule } from '@callboard/alerts';
import type { Redis } from '@callboard/runtime';
import type { QueueView } from '@callboard/windows';
import { createTestStack, type DecodedRecord, readBack, type TestStack } from '../helpers/infra.js';
import { dispatchSettled, publishSnapshots } from '../helpers/alerter-bed.js';
import { childEnv, exited, REPO_ROOT, testAlerter } from '../helpers/pipeline.js';
import { snapshot } from '../helpers/snapshots.js';
import { waitFor } from '../helpers/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const TENANT = 'alert-co';

function rulesFile(url: string, groupWaitMs = 300): string {
  return JSON.stringify({
    version: 1,
    groups: { groupBy: ['tenantId', 'ruleId', 'kind'], groupWaitMs, groupIntervalMs: 1000, repeatIntervalMs: 3_600_000 },
    routes: { hook: { type: 'webhook', url } },
    rules: [
      { id: 'sl-low', name: 'SL below 80 %', metric: 'sl.primary', window: 'rolling-15m', comparator: '<', fire: 0.8, clear: 0.85, forMs: 0, keepFiringForMs: 0, minVolume: 5, severity: 'warning', routes: ['hook'] },
    ],
  });
}

describe('alerter with the real services', () => {
  let stack: TestStack;
  let redis: Redis;
  let receiver: WebhookReceiver;
  const dir = mkdtempSync(join(tmpdir(), 'cb-alerter-'));

  beforeAll(async () => {
    stack = await createTestStack('alerter');
    redis = stack.redis();
    await redis.connect();
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
    await stack?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const publishing = (views: () => QueueView[]) => publishSnapshots(stack, views);

  /** Notifications of one kind for queues of `tenant` (several tests share the topics). */
  const count = (kind: string, tenant = TENANT) => receiver.alerts().filter((a) => a.kind === kind && a.tenantId === tenant).length;

  /** Waits until each of the `n` alerts of `tenant` was evaluated at or after `since` and `test` holds for it. */
  const evaluated = (store: AlertStore, tenant: string, n: number, what: string, test: (a: AlertState) => boolean, since = 0) =>
    waitFor(what, async () => {
      const all = await store.list(tenant);
      return all.length === n && all.every((a) => a.lastEvaluatedAt >= since && test(a)) ? true : undefined;
    }, 60_000, 50);

  /** Waits until every alert of `tenant` was evaluated again after now and all that came of it was sent. */
  const settled = async (store: AlertStore, tenant: string, n: number) => {
    await evaluated(store, tenant, n, 'an evaluation of every alert after now', () => true, Date.now());
    await dispatchSettled(store);
  };

  it('fires once and resolves once per episode, groups a storm over 30 queues into one page, and records acks', async () => {
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const store = new AlertStore(redis, namespace);
    const rules = loadRules(rulesFile(receiver.url));
    const alerter = testAlerter(stack, store, rules);
    await alerter.start();
    /** The value the alerter reads from a snapshot at service level `v`, as the publisher below builds it. */
    const valueAt = (v: number) => sampleRule(snapshot(TENANT, 'q', Date.now(), { answered: 40, withinSl: Math.round(40 * v) }), rules.rules[0]!).value;
    const queues = Array.from({ length: 30 }, (_, i) => `q${String(i).padStart(2, '0')}`);
    let sl = 0.95;
    // A value oscillating inside the hysteresis band (0.80..0.85) after the fire must not re-fire.
    const pub = publishing(() => queues.map((q) => snapshot(TENANT, q, Date.now(), { answered: 40, withinSl: Math.round(40 * sl) })));
    try {
      await evaluated(store, TENANT, 30, 'every queue evaluated at 95 %', (a) => a.value === valueAt(0.95));
      await dispatchSettled(store);
      expect(receiver.posts).toHaveLength(0);
      sl = 0.5;
      await waitFor('30 fires', () => (count('fire') >= 30 ? true : undefined), 30_000);
      await settled(store, TENANT, 30);
      expect(count('fire')).toBe(30);
      // One storm, one page: every fire of the rule for the tenant in one grouped POST.
      const firePosts = receiver.unique().filter((p) => p.alerts.some((a) => a.kind === 'fire'));
      expect(firePosts.filter((p) => p.alerts.some((a) => a.tenantId === TENANT))).toHaveLength(1);
      expect(firePosts[0]!.alerts).toHaveLength(30);

      const alerts = await store.list(TENANT);
      expect(alerts.filter((a) => a.state === 'firing')).toHaveLength(30);
      const acked = await store.acknowledge(TENANT, alerts[0]!.fingerprint, 'lead-li');
      expect(acked.ack).toMatchObject({ by: 'lead-li' });
      expect((await store.auditLog(TENANT))[0]).toMatchObject({ action: 'ack', by: 'lead-li', fingerprint: alerts[0]!.fingerprint });

      for (const v of [0.82, 0.7, 0.83, 0.6]) {
        sl = v;
        await evaluated(store, TENANT, 30, `every queue evaluated at ${v}`, (a) => a.value === valueAt(v));
      }
      await dispatchSettled(store);
      expect(count('fire')).toBe(30);
      expect(count('resolve')).toBe(0);
      sl = 0.95;
      await waitFor('30 resolves', () => (count('resolve') >= 30 ? true : undefined), 30_000);
      await settled(store, TENANT, 30);
      expect(count('resolve')).toBe(30);
      expect(receiver.posts.length).toBe(receiver.unique().length);
    } finally {
      await pub.stop();
      await alerter.close();
    }
    // Every change is on cc.alerts.v1, keyed by fingerprint, with who acknowledged.
    const records = await readBack(stack, stack.topology.alerts.name, (rs) => rs.some((r) => r.kind === 'ack'));
    const ack = records.find((r) => r.kind === 'ack')!;
    expect(ack).toMatchObject({ ackBy: 'lead-li', state: 'firing', ruleId: 'sl-low', tenantId: TENANT, fireThreshold: 0.8, clearThreshold: 0.85 });
    expect(ack._key).toBe(ack.fingerprint);
    expect(records.filter((r) => r.kind === 'fire')).toHaveLength(30);
  }, 120_000);

  it('neither duplicates nor loses a notification across kill -9, while firing and while the webhook is down', async () => {
    receiver.posts.length = 0;
    const rulesPath = join(dir, 'rules.json');
    writeFileSync(rulesPath, rulesFile(receiver.url, 200));
    const env = childEnv({
      CB_TOPIC_PREFIX: stack.prefix,
      CB_RULES_FILE: rulesPath,
      CB_REDIS_NAMESPACE: `t${randomBytes(4).toString('hex')}`,
      CB_ALERTER_GROUP: `${stack.prefix}alerter-proc`,
      CB_ALERTER_HTTP_PORT: '0',
      CB_ALERTER_TICK_MS: '200',
      CB_WEBHOOK_TIMEOUT_MS: '1000',
    });
    const start = (): ChildProcess => spawn(process.execPath, ['--import', 'tsx', 'services/alerter/src/main.ts'], { cwd: REPO_ROOT, env, stdio: 'ignore' });
    const store = new AlertStore(redis, env.CB_REDIS_NAMESPACE);
    const queues = ['k1', 'k2', 'k3'];
    let sl = 0.5;
    const pub = publishing(() => queues.map((q) => snapshot(`${TENANT}-k`, q, Date.now(), { answered: 40, withinSl: Math.round(40 * sl) })));
    let child = start();
    try {
      // Killed as soon as the alerts are firing in Redis, before or while the page goes out.
      await waitFor('firing alerts', async () => ((await store.list(`${TENANT}-k`)).filter((a) => a.state === 'firing').length === 3 ? true : undefined), 60_000, 50);
      child.kill('SIGKILL');
      await exited(child);
      child = start();
      await waitFor('3 fires delivered', () => (count('fire', `${TENANT}-k`) >= 3 ? true : undefined), 60_000);

      // The webhook goes down; the alerts resolve; the alerter is killed while retrying.
      const refusedBefore = receiver.refused();
      receiver.setStatus(503);
      sl = 0.95;
      await waitFor('resolved alerts', async () => ((await store.list(`${TENANT}-k`)).filter((a) => a.state === 'resolved' || a.state === 'normal').length === 3 ? true : undefined), 60_000, 50);
      await waitFor('a refused attempt to send the resolves', () => (receiver.refused() > refusedBefore ? true : undefined), 60_000, 50);
      child.kill('SIGKILL');
      await exited(child);
      receiver.setStatus(200);
      child = start();
      await waitFor('3 resolves delivered', () => (count('resolve', `${TENANT}-k`) >= 3 ? true : undefined), 60_000);
      await settled(store, `${TENANT}-k`, 3);
      expect(count('fire', `${TENANT}-k`)).toBe(3);
      expect(count('resolve', `${TENANT}-k`)).toBe(3);
    } finally {
      await pub.stop();
      child.kill('SIGTERM');
      await exited(child);
    }
  }, 180_000);

  it('two alerter instances in one group fire each alert once', async () => {
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const rules = loadRules(rulesFile(receiver.url, 200));
    const make = () =>
      testAlerter(stack, new AlertStore(redis, namespace), rules, { groupId: `${stack.prefix}alerter-pair` });
    const pair = [make(), make()];
    await Promise.all(pair.map((a) => a.start()));
    const tenant = `${TENANT}-pair`;
    const queues = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const pub = publishing(() => queues.map((q) => snapshot(tenant, q, Date.now(), { answered: 40, withinSl: 10 })));
    try {
      await waitFor('6 fires', () => (count('fire', tenant) >= 6 ? true : undefined), 60_000);
      await settled(new AlertStore(redis, namespace), tenant, 6);
      expect(count('fire', tenant)).toBe(6);
      expect(new Set(receiver.alerts().filter((a) => a.tenantId === tenant).map((a) => a.fingerprint)).size).toBe(6);
    } finally {
      await pub.stop();
      await Promise.all(pair.map((a) => a.close()));
    }
  }, 90_000);

  it('sends a malformed KPI record to the DLQ and keeps evaluating', async () => {
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const rules = loadRules(rulesFile(receiver.url));
    const alerter = testAlerter(stack, new AlertStore(redis, namespace), rules, { groupId: `${stack.prefix}alerter-dlq` });
    await alerter.start();
    const producer = stack.kafka.producer();
    await producer.connect();
    const notASnapshot = await stack.codec.encode(stack.topology.dlq.name, { sourceTopic: 'x', sourcePartition: 0, sourceOffset: '0', reasonCode: 'X', reason: 'x', service: 'x', at: new Date().toISOString() });
    await producer.send({
      topic: stack.topology.kpi.name,
      messages: [
        { key: 'garbage', value: Buffer.from('not avro at all') },
        { key: 'wrong-record', value: notASnapshot },
        { key: `${TENANT}-dlq/q1`, value: await stack.codec.encode(stack.topology.kpi.name, { ...snapshot(`${TENANT}-dlq`, 'q1', Date.now(), { answered: 40, withinSl: 10 }) }) },
      ],
    });
    await producer.disconnect();
    const store = new AlertStore(redis, namespace);
    const fromKpi = (rs: DecodedRecord[]) => rs.filter((r) => r.sourceTopic === stack.topology.kpi.name);
    let dlq: DecodedRecord[];
    try {
      await waitFor('the valid snapshot evaluated', async () => ((await store.list(`${TENANT}-dlq`)).some((a) => a.state === 'firing') ? true : undefined), 30_000);
      // The three records sit in different partitions: read the DLQ while the alerter still runs.
      dlq = fromKpi(await readBack(stack, stack.topology.dlq.name, (rs) => fromKpi(rs).length >= 2));
    } finally {
      await alerter.close();
    }
    expect(dlq.map((r) => r.reasonCode).sort()).toEqual(['CB_EVENT_INVALID', 'CB_EVENT_NOT_WIRE_FORMAT']);
    expect(dlq.every((r) => r.service === 'alerter')).toBe(true);
  }, 60_000);

  it('keeps the last good rules when a broken file is written over a good one, and says where it is broken', () => {
    const path = join(dir, 'reload.json');
    writeFileSync(path, rulesFile('http://127.0.0.1:9/hook'));
    const metrics = { rulesReloads: { inc: () => undefined } } as unknown as ConstructorParameters<typeof RulesSource>[2];
    const source = new RulesSource(path, stack.logger, metrics);
    expect(source.rules.rules.map((r) => r.id)).toEqual(['sl-low']);
    writeFileSync(path, rulesFile('http://127.0.0.1:9/hook').replace('"comparator":"<"', '"comparator":"<",').replace('}]}', '}]'));
    expect(source.reload()).toBe(false);
    expect(source.error).toMatch(/reload\.json:1:\d+/);
    writeFileSync(path, rulesFile('http://127.0.0.1:9/hook').replace('"clear":0.85', '"clear":0.5'));
    expect(source.reload()).toBe(false);
    expect(source.error).toMatch(/rules\[0\]\.clear/);
    expect(source.rules.rules[0]).toMatchObject({ id: 'sl-low', clear: 0.85 });
  });
});
