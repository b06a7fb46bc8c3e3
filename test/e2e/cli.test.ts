import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { V1_EVENT_TYPES, parseJsonLine } from '@callboard/events';
import { WindowStore } from '@callboard/windows';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { callboard } from '../helpers/cli.js';
import { QUEUES_FILE, waitUntilConsumed, testAggregator } from '../helpers/pipeline.js';

describe('the callboard CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('simulate: the same seed gives byte-identical files, every line valid, all six event types', async () => {
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    expect((await callboard(['simulate', '--seed', '7', '--minutes', '30', '--out', a])).code).toBe(0);
    expect((await callboard(['simulate', '--seed', '7', '--minutes', '30', '--out', b])).code).toBe(0);
    const bytes = readFileSync(a);
    expect(bytes.equals(readFileSync(b))).toBe(true);
    const lines = bytes.toString('utf8').trimEnd().split('\n');
    const types = new Set<string>();
    lines.forEach((raw, i) => {
      const line = parseJsonLine(raw, i + 1);
      expect(line?.ok, `line ${i + 1}`).toBe(true);
      if (line?.ok) types.add(line.event.type);
    });
    expect([...types].sort()).toEqual([...V1_EVENT_TYPES].sort());
  });

  it('erlang: the reference staffing case', async () => {
    const r14 = JSON.parse((await callboard(['erlang', '--calls', '100', '--interval-s', '1800', '--aht-s', '180', '--agents', '14', '--target-s', '20', '--target-sl', '0.8', '--json'])).stdout);
    expect(Object.keys(r14).sort()).toEqual(['agents', 'asaSeconds', 'erlangs', 'occupancy', 'probabilityOfWaiting', 'requiredAgents', 'serviceLevel']);
    expect(r14.probabilityOfWaiting).toBeCloseTo(0.174, 3);
    expect(r14.serviceLevel).toBeCloseTo(0.888, 3);
    expect(r14.occupancy).toBeCloseTo(0.714, 3);
    const r15 = JSON.parse((await callboard(['erlang', '--calls', '100', '--interval-s', '1800', '--aht-s', '180', '--agents', '15', '--target-s', '20', '--json'])).stdout);
    expect(r15.serviceLevel).toBeCloseTo(0.941, 3);
    expect(r15.requiredAgents).toBeUndefined();
  });

  it('refuses bad usage with exit code 2 and a reason', async () => {
    const r = await callboard(['erlang', '--calls', '-3', '--interval-s', '1800', '--aht-s', '180', '--agents', '14', '--target-s', '20']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/CB_USAGE.*--calls/);
    expect((await callboard(['nonsense'])).code).toBe(2);
    for (const cmd of ['kpi', 'produce']) {
      const missing = await callboard([cmd, '--input', join(dir, 'no-such-day.jsonl')]);
      expect(missing.code, cmd).toBe(2);
      expect(missing.stderr, cmd).toMatch(/CB_USAGE.*--input .*no-such-day\.jsonl: no such file/);
    }
    for (const cmd of ['simulate', 'produce', 'tail', 'kpi', 'query', 'erlang', 'rules', 'alerts', 'webhook', 'infra', 'run']) {
      const help = await callboard([cmd, '--help']);
      expect(help.code, cmd).toBe(0);
      expect(help.stdout, cmd).toMatch(/callboard /);
    }
  });

  describe('against the real services', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await createTestStack('cli');
    });
    afterAll(async () => stack?.cleanup());

    it('produce reports bad lines by number, sends the good ones, exits 1; tail shows them decoded', async () => {
      const file = join(dir, 'mixed.jsonl');
      const good = (i: number) =>
        JSON.stringify({ eventId: `p${i}`, type: 'call.offered', occurredAt: new Date().toISOString(), tenantId: 'acme-telecom', queueId: 'billing', callId: `pc${i}`, channel: 'voice', direction: 'inbound' });
      writeFileSync(file, [good(1), '{"not": "an event"}', good(2), '{broken', JSON.stringify({ ...JSON.parse(good(3)), type: 'call.answered', agentId: 'a1', waitMs: -5 }), good(4)].join('\n'));
      const env = { CB_TOPIC_PREFIX: stack.prefix };
      const r = await callboard(['produce', '--input', file], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/mixed\.jsonl:2: CB_EVENT_INVALID/);
      expect(r.stderr).toMatch(/mixed\.jsonl:4: CB_EVENT_JSON_PARSE/);
      expect(r.stderr).toMatch(/mixed\.jsonl:5: CB_EVENT_INVALID: waitMs/);
      expect(r.stderr).toMatch(/3 sent, 3 bad/);
      const tail = await callboard(['tail', '--topic', stack.topology.callEvents.name, '--from-beginning', '--max', '3', '--idle-exit-s', '20'], env);
      const lines = tail.stdout.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.map((l) => l.value.eventId).sort()).toEqual(['p1', 'p2', 'p4']);
      expect(lines[0]).toMatchObject({ topic: stack.topology.callEvents.name, value: { type: 'call.offered', tenantId: 'acme-telecom' } });
    });

    it('query prints the counters kpi computes from the same file, for a range and a window', async () => {
      const truthFile = join(dir, 'truth.jsonl');
      const env = { CB_TOPIC_PREFIX: stack.prefix, CB_QUEUES_FILE: QUEUES_FILE };
      const sim = await callboard(['simulate', '--seed', '3', '--minutes', '20', '--kafka', '--out', truthFile, '--duplicates', '0.05', '--reorder', '0.05', '--corrupt', '0.01'], env);
      expect(sim.code, sim.stderr).toBe(0);
      const namespace = `t${randomBytes(4).toString('hex')}`;
      const redis = stack.redis();
      await redis.connect();
      const groupId = `${stack.prefix}agg`;
      const aggregator = testAggregator(stack, new WindowStore(redis, { namespace }));
      await aggregator.start();
      try {
        await waitUntilConsumed(stack, groupId);
      } finally {
        await aggregator.close();
      }
      const times = readFileSync(truthFile, 'utf8').trimEnd().split('\n').map((l) => Date.parse(JSON.parse(l).occurredAt));
      const from = new Date(Math.floor(Math.min(...times) / 10_000) * 10_000).toISOString();
      const to = new Date(Math.ceil((Math.max(...times) + 1) / 10_000) * 10_000).toISOString();
      const qenv = { ...env, CB_REDIS_NAMESPACE: namespace };
      for (const tenant of ['acme-telecom', 'nordic-mobile']) {
        const live = JSON.parse((await callboard(['query', '--tenant', tenant, '--from', from, '--to', to, '--json'], qenv)).stdout);
        const offline = JSON.parse((await callboard(['kpi', '--input', truthFile, '--from', from, '--to', to, '--json'], qenv)).stdout);
        const expected = offline.queues.filter((q: { tenantId: string }) => q.tenantId === tenant);
        expect(live.queues.map((q: { queueId: string }) => q.queueId)).toEqual(expected.map((q: { queueId: string }) => q.queueId));
        for (const [i, q] of live.queues.entries()) {
          expect(q.counts, `${tenant}/${q.queueId}`).toEqual(expected[i].counts);
          expect(q.sl).toEqual(expected[i].sl);
          expect(q).toHaveProperty('live.callsWaiting');
          expect(q).toMatchObject({ from, to });
        }
      }
      const window = JSON.parse((await callboard(['query', '--tenant', 'acme-telecom', '--queue', 'billing', '--window', 'today', '--json'], qenv)).stdout);
      expect(window.queues[0]).toMatchObject({ tenantId: 'acme-telecom', queueId: 'billing', window: 'today', primarySl: 'sl.negativeAbandon' });
    }, 120_000);
  });
});
