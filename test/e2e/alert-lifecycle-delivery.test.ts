import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { AlertStore, type Delivery, Dispatcher, NotifyStore, type OutboxEntry } from '@callboard/alerter';
import { decideNotifications, evaluate, loadRules, type RulesFile } from '@callboard/alerts';
import { createRootLogger, escapeGlob, type RedisClient, scanKeys } from '@callboard/runtime';
import { publishSnapshots, useAlerterBed } from '../helpers/alerter-bed.js';
import { childEnv, REPO_ROOT, testAlerter } from '../helpers/pipeline.js';
import { snapshot } from '../helpers/snapshots.js';
import { waitFor } from '../helpers/wait.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const SECRET = 's3cr3t';

function rulesFile(routes: Record<string, { url: string; headers?: Record<string, string> }>, ruleRoutes: string[]): RulesFile {
  return loadRules(
    JSON.stringify({
      version: 1,
      groups: { groupBy: ['tenantId', 'ruleId', 'kind'], groupWaitMs: 200, groupIntervalMs: 500, repeatIntervalMs: 3_600_000 },
      routes: Object.fromEntries(Object.entries(routes).map(([name, r]) => [name, { type: 'webhook', ...r }])),
      rules: [{ id: 'sl-low', name: 'SL below 80 %', metric: 'sl.primary', comparator: '<', fire: 0.8, clear: 0.85, minVolume: 5, severity: 'warning', routes: ruleRoutes }],
    }),
  );
}

/** Every key of a namespace with its whole value, as text: what anyone with Redis access can read. */
async function dumpNamespace(redis: RedisClient, namespace: string): Promise<string> {
  const out: string[] = [];
  // Per master on a Cluster: SCAN walks one node's keys.
  for await (const keys of scanKeys(redis, `${escapeGlob(namespace)}:*`, 1000)) {
    for (const key of keys) {
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key) : type === 'hash' ? await redis.hgetall(key) : type === 'list' ? await redis.lrange(key, 0, -1) : type === 'zset' ? await redis.zrange(key, 0, -1) : await redis.smembers(key);
      out.push(`${key} ${JSON.stringify(value)}`);
    }
  }
  return out.join('\n');
}

describe('alert deliveries: credentials, fencing and claims (issue 8 items 4 and 11)', () => {
  const bed = useAlerterBed('alert-delivery');

  it('sends a route credential to the receiver but never stores or logs it, and dead-letters a delivery whose route was removed', async () => {
    const { stack, redis, receiver } = bed;
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const tenant = 'secret-co';
    const withRoute = rulesFile({ hook: { url: receiver.url, headers: { Authorization: `Bearer ${SECRET}` } } }, ['hook']);
    let rules = withRoute;
    const logs: string[] = [];
    const logger = createRootLogger({ name: 'secrets', level: 'debug', destination: { write: (line: string) => void logs.push(line) } });
    const store = new AlertStore(redis, namespace);
    const alerter = testAlerter(stack, store, withRoute, { rules: () => rules, logger, groupId: `${stack.prefix}alerter-secrets` });
    await alerter.start();
    let sl = 0.5;
    const pub = publishSnapshots(stack, () => [snapshot(tenant, 's1', Date.now(), { answered: 40, withinSl: Math.round(40 * sl) })]);
    try {
      // The receiver is down: the fire's delivery is stored, retried, then dead-lettered.
      receiver.setStatus(503);
      const stored = await waitFor('a stored delivery', async () => Object.values(await redis.hgetall(store.keys.deliveries))[0]);
      expect(JSON.parse(stored) as Delivery).toMatchObject({ route: 'hook' });
      expect(stored).not.toContain(SECRET);
      const dead = await waitFor('a dead-lettered delivery', async () => (await redis.lrange(store.keys.dead, 0, -1))[0]);
      expect(JSON.parse(dead) as Delivery).toMatchObject({ route: 'hook', attempts: 5, lastError: 'HTTP 503' });
      expect(dead).not.toContain(SECRET);
      expect(dead).not.toContain(receiver.url);

      // The receiver is back; lead actions go to the audit list; the resolve reaches the receiver with the credential.
      receiver.setStatus(200);
      const [alert] = await store.list(tenant);
      await store.acknowledge(tenant, alert!.fingerprint, 'lead-li');
      const silence = await store.silence(tenant, { queue: 'other', reason: 'planned', createdBy: 'lead-li', durationMs: 60_000 });
      await store.unsilence(tenant, silence.id, 'lead-li');
      sl = 0.95;
      const resolve = await waitFor('the resolve', () => receiver.posts.find((p) => p.alerts.some((a) => a.tenantId === tenant && a.kind === 'resolve')));
      expect(resolve.headers.authorization).toBe(`Bearer ${SECRET}`);
      expect(resolve.route).toBe('hook');

      // The route is removed while a delivery waits for its retry: it is dead-lettered, saying why.
      receiver.setStatus(503);
      sl = 0.5;
      await waitFor('a failed attempt of the second fire', async () => (Object.values(await redis.hgetall(store.keys.deliveries)).some((d) => (JSON.parse(d) as Delivery).attempts >= 1) ? true : undefined));
      rules = rulesFile({}, []);
      const gone = await waitFor('the route-less delivery dead-lettered', async () => (await redis.lrange(store.keys.dead, 0, -1)).map((d) => JSON.parse(d) as Delivery).find((d) => /no longer defined/.test(d.lastError ?? '')));
      expect(gone.lastError).toBe('route "hook" is no longer defined in the rules');
      receiver.setStatus(200);
    } finally {
      await pub.stop();
      await alerter.close();
    }
    const everything = await dumpNamespace(redis, namespace);
    expect(everything).toContain(tenant);
    expect(everything).not.toContain(SECRET);
    expect(logs.join('')).toContain('dead-lettered');
    expect(logs.join('')).not.toContain(SECRET);
    // What `callboard alerts` prints.
    const cli = async (...args: string[]) =>
      (await promisify(execFile)(process.execPath, ['--import', 'tsx', 'packages/cli/src/main.ts', 'alerts', ...args, '--tenant', tenant], { cwd: REPO_ROOT, env: childEnv({ CB_REDIS_NAMESPACE: namespace }) })).stdout;
    const printed = (await cli('list', '--json')) + (await cli('audit'));
    expect(printed).toContain('lead-li');
    expect(printed).not.toContain(SECRET);
  }, 120_000);

  it('two instances and a webhook slower than the lease: each delivery is POSTed once and no outbox entry is lost', async () => {
    const { stack, redis } = bed;
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const tenant = 'slow-co';
    const slow = await startWebhookReceiver();
    // Each answer takes longer than the 5 s dispatch lease.
    slow.setDelay(7000);
    const rules = rulesFile({ hook: { url: slow.url } }, ['hook']);
    const webhook = { timeoutMs: 20_000, maxAttempts: 5, backoff: { initialDelayMs: 100, maxDelayMs: 1000 } };
    const make = () => testAlerter(stack, new AlertStore(redis, namespace), rules, { groupId: `${stack.prefix}alerter-slow`, webhook });
    const pair = [make(), make()];
    await Promise.all(pair.map((a) => a.start()));
    const queues = ['w1', 'w2', 'w3'];
    let sl = 0.5;
    const pub = publishSnapshots(stack, () => queues.map((q) => snapshot(tenant, q, Date.now(), { answered: 40, withinSl: Math.round(40 * sl) })));
    const of = (kind: string) => slow.alerts().filter((a) => a.tenantId === tenant && a.kind === kind);
    const store = new AlertStore(redis, namespace);
    try {
      // All three fires must have reached the receiver (in one POST or, on a loaded machine whose
      // evaluations straddle the group wait, several) before the queues recover: a queue that had not
      // fired yet would never fire, and the wait below would time out (seen in a CI run).
      await waitFor('the 3 fires to arrive', () => (of('fire').length === 3 ? true : undefined), 60_000);
      // Resolves are appended to the outbox while the last fire's POST is still unanswered.
      sl = 0.95;
      await waitFor('3 fires and 3 resolves', () => (of('fire').length === 3 && of('resolve').length === 3 ? true : undefined), 90_000);
      await waitFor('every delivery done', async () => ((await redis.hlen(store.keys.deliveries)) === 0 ? true : undefined), 60_000);
    } finally {
      await pub.stop();
      await Promise.all(pair.map((a) => a.close()));
      await slow.close();
    }
    const perKey = new Map<string, number>();
    for (const p of slow.posts) perKey.set(p.idempotencyKey, (perKey.get(p.idempotencyKey) ?? 0) + 1);
    expect(slow.posts.length, JSON.stringify([...perKey])).toBe(perKey.size);
    expect(of('fire').map((a) => a.queueId).sort()).toEqual(queues);
    expect(of('resolve').map((a) => a.queueId).sort()).toEqual(queues);
  }, 180_000);

  it('fences a pass whose lease ran out: it writes nothing, keeps the entries appended meanwhile, and a claimed delivery is sent by one holder at a time', async () => {
    const { stack, redis, receiver } = bed;
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const tenant = 'fence-co';
    const store = new AlertStore(redis, namespace);
    const notify = new NotifyStore(store);
    const keys = store.keys;
    const rules = loadRules(
      JSON.stringify({
        version: 1,
        groups: { groupWaitMs: 0, groupIntervalMs: 0, repeatIntervalMs: 3_600_000 },
        routes: { hook: { type: 'webhook', url: receiver.url } },
        rules: [{ id: 'sl-low', name: 'SL low', metric: 'sl.primary', comparator: '<', fire: 0.8, severity: 'warning', routes: ['hook'] }],
      }),
    );
    const rule = rules.rules[0]!;
    /** Saves a fire of `queueId` with its outbox entry, as the evaluator does. */
    const fire = async (queueId: string) => {
      const at = Date.now();
      const decided = decideNotifications(evaluate(undefined, rule, { tenantId: tenant, queueId, value: 0.5, volume: 40, slTarget: 0.8 }, at).state, rule, [], at);
      const outbox: OutboxEntry = { record: { kind: 'fire', state: decided.state, at }, notifications: decided.notifications };
      expect(await store.save(tenant, [{ state: decided.state, rev: '0', outbox }])).toEqual(new Set());
    };
    const producer = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    // Instance A's pass stops at its Kafka publish (a slow broker, a pause) until released.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slowProducer = { send: async (r: Parameters<Producer['send']>[0]) => gate.then(() => producer.send(r)) } as unknown as Producer;
    const dispatcher = (p: Producer) => new Dispatcher({ store, notify, producer: p, codec: stack.codec, rules: () => rules, logger: stack.logger, now: Date.now });
    try {
      await fire('f1');
      await fire('f2');
      const tokenA = await notify.acquireLease('A', 300);
      expect(tokenA).toBeGreaterThan(0);
      expect(await notify.acquireLease('B', 60_000)).toBe(0);
      const passA = dispatcher(slowProducer).runOnce(tokenA);
      // A's lease runs out mid-pass; B takes over with a larger token and does the work.
      await waitFor('A lease to expire', async () => ((await redis.exists(keys.lease)) === 0 ? true : undefined), 10_000, 50);
      const tokenB = await notify.acquireLease('B', 60_000);
      expect(tokenB).toBeGreaterThan(tokenA);
      expect(await dispatcher(producer).runOnce(tokenB)).toBe(2);
      const grouperByB = await redis.get(keys.grouper);
      expect(await redis.hlen(keys.deliveries)).toBe(1);
      // Alerts keep changing while A is stuck: their entries are appended to the tenant's outbox.
      await fire('f3');
      await fire('f4');
      const appended = await redis.lrange(keys.outbox(tenant), 0, -1);
      expect(appended).toHaveLength(2);
      release();
      expect(await passA).toBe(0);
      expect(await redis.lrange(keys.outbox(tenant), 0, -1)).toEqual(appended);
      expect(await redis.get(keys.grouper)).toBe(grouperByB);

      // Claims: the stale token claims nothing; B's claim holds the delivery until its deadline.
      expect(await notify.claim(tokenA, Date.now(), Date.now() + 60_000, 10)).toEqual([]);
      const first = await notify.claim(tokenB, Date.now(), Date.now() + 300, 10);
      expect(first).toHaveLength(1);
      expect(await notify.claim(tokenB, Date.now(), Date.now() + 300, 10)).toEqual([]);
      // The claim's deadline passes (its sender froze): the delivery can be claimed again, and the
      // frozen sender's late outcome is refused.
      await waitFor('the claim deadline', () => (Date.now() > Number(first[0]!.claim.split(':')[1]) ? true : undefined), 10_000, 50);
      const second = await notify.claim(tokenB, Date.now(), Date.now() + 60_000, 10);
      expect(second.map((c) => c.delivery.id)).toEqual([first[0]!.delivery.id]);
      expect(await notify.sent(first[0]!.delivery.id, first[0]!.claim)).toBe(false);
      expect(await notify.failed(first[0]!.delivery.id, first[0]!.claim, { mode: 'dead', nextAt: 0, maxAttempts: 1, error: 'late' })).toBe(0);
      expect(await notify.sent(second[0]!.delivery.id, second[0]!.claim)).toBe(true);
      expect(await redis.hlen(keys.deliveries)).toBe(0);
      expect(await redis.llen(keys.dead)).toBe(0);
    } finally {
      release();
      await producer.disconnect();
    }
  }, 60_000);
});
