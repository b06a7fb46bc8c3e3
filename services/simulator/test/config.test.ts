import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallboardError } from '@callboard/errors';
import { DEMO_CONFIG_PATH, expandAgents, loadSimulatorConfig, parseSimulatorConfig } from '../src/index.js';
import { flatTenant, group, queue } from './helpers.js';

function rejection(input: unknown): CallboardError {
  try {
    parseSimulatorConfig(input);
  } catch (err) {
    expect(err).toBeInstanceOf(CallboardError);
    expect((err as CallboardError).code).toBe('CB_CONFIG_INVALID');
    return err as CallboardError;
  }
  throw new Error('expected the config to be rejected');
}

/** A valid config with the value at a dotted path replaced. */
function variant(path: string, value: unknown): unknown {
  const c: unknown = flatTenant([queue('a', { overflowTo: 'b' }), queue('b')], [group(2, ['a', 'b'])]);
  const keys = path.split('.');
  let node = c as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
  node[keys[keys.length - 1] as string] = value;
  return c;
}

describe('simulator config', () => {
  it('loads the shipped default: 2 tenants, 6 queues, voice and chat, 60–90 agents', async () => {
    const config = await loadSimulatorConfig();
    expect(config.tenants.map((t) => [t.tenantId, t.timeZone])).toEqual([
      ['acme-telecom', 'Asia/Shanghai'],
      ['nordic-mobile', 'Europe/Stockholm'],
    ]);
    const queues = config.tenants.flatMap((t) => t.queues);
    expect(queues).toHaveLength(6);
    expect(new Set(queues.map((q) => q.channel))).toEqual(new Set(['voice', 'chat']));
    const agents = config.tenants.flatMap((t) => expandAgents(t));
    expect(agents.length).toBeGreaterThanOrEqual(60);
    expect(agents.length).toBeLessThanOrEqual(90);
    expect(Object.isFrozen(config.tenants[0]?.queues[0])).toBe(true);
  });

  it('fills defaults', () => {
    const q = parseSimulatorConfig(flatTenant([queue('a')], [])).tenants[0]?.queues[0];
    expect(q?.ringMs).toEqual({ minMs: 1_000, maxMs: 4_000 });
    expect(q?.direction).toBe('inbound');
    expect(q?.hold.probability).toBe(0);
    expect(q?.patience.impatientFraction).toBe(0);
  });

  it.each([
    ['a negative rate', 'tenants.0.queues.0.baseCallsPerHour', -1, 'tenants.0.queues.0.baseCallsPerHour'],
    ['a probability above 1', 'tenants.0.queues.0.transferProbability', 1.2, 'tenants.0.queues.0.transferProbability'],
    ['a negative patience fraction', 'tenants.0.queues.1.patience.impatientFraction', -0.1, 'tenants.0.queues.1.patience.impatientFraction'],
    ['an unknown overflowTo', 'tenants.0.queues.0.overflowTo', 'zzz', 'tenants.0.queues.0.overflowTo: unknown queue "zzz"'],
    ['an overflow cycle', 'tenants.0.queues.1.overflowTo', 'a', 'forms a cycle'],
    ['an overflow to itself', 'tenants.0.queues.1.overflowTo', 'b', 'tenants.0.queues.1.overflowTo'],
    ['an unknown skill', 'tenants.0.agentGroups.0.skills', ['a', 'x'], 'tenants.0.agentGroups.0.skills.1: unknown queue "x"'],
    ['a bad identifier', 'tenants.0.queues.1.queueId', 'bad queue', 'tenants.0.queues.1.queueId'],
    ['a duplicate queue', 'tenants.0.queues.1.queueId', 'a', 'duplicate queueId'],
    ['an unknown time zone', 'tenants.0.timeZone', 'Mars/Olympus', 'tenants.0.timeZone'],
    ['an unknown field', 'tenants.0.queues.0.maxWait', 5, 'maxWait'],
    ['an empty shift', 'tenants.0.agentGroups.0.shift', { startHour: 8, endHour: 8 }, 'tenants.0.agentGroups.0.shift.endHour'],
    ['ring min above max', 'tenants.0.queues.0.ringMs', { minMs: 5000, maxMs: 1000 }, 'tenants.0.queues.0.ringMs.maxMs'],
    ['a tenant id too long for agent ids', 'tenants.0.tenantId', 'x'.repeat(64), 'shorten the tenantId'],
  ])('rejects %s, naming the field', (_name, path, value, fragment) => {
    expect(rejection(variant(path, value)).message).toContain(fragment);
  });

  it('rejects duplicate agent ids across groups and explicit agents', () => {
    const err = rejection(variant('tenants.0.agents', [{ agentId: 'a-t1-2', skills: ['a'], shift: { startHour: 8, endHour: 17 } }]));
    expect(err.message).toContain('tenants.0.agents.0.agentId: agent id "a-t1-2" is already used');
  });

  it('expands groups into numbered agents with staggered breaks', () => {
    const config = parseSimulatorConfig(
      flatTenant([queue('a')], [group(4, ['a'], { breaks: [{ afterMinutes: 60, durationMinutes: 15 }], breakStaggerMinutes: 40 })]),
    );
    const agents = expandAgents(config.tenants[0]!);
    expect(agents.map((a) => a.agentId)).toEqual(['a-t1-1', 'a-t1-2', 'a-t1-3', 'a-t1-4']);
    expect(agents.map((a) => a.breakOffsetMs / 60_000)).toEqual([-15, -5, 5, 15]);
  });

  it('loads from a file and reports unreadable or non-JSON files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sim-config-'));
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify(flatTenant([queue('a')], [])));
    expect((await loadSimulatorConfig(good)).tenants[0]?.tenantId).toBe('t1');
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ nope');
    await expect(loadSimulatorConfig(bad)).rejects.toMatchObject({ code: 'CB_CONFIG_INVALID', message: expect.stringContaining('not JSON') });
    await expect(loadSimulatorConfig(join(dir, 'missing.json'))).rejects.toMatchObject({ code: 'CB_CONFIG_INVALID' });
    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, JSON.stringify({ tenants: [] }));
    await expect(loadSimulatorConfig(invalid)).rejects.toMatchObject({ code: 'CB_CONFIG_INVALID', message: expect.stringContaining(invalid) });
  });
});

describe('simulator config: scripted incidents', () => {
  const withIncidents = (incidents: unknown): unknown => ({ ...(flatTenant([queue('a')], [group(2, ['a'])]) as object), incidents });

  it('accepts a repeating schedule and fills its defaults', () => {
    const config = parseSimulatorConfig(withIncidents({ everyMinutes: 5, durationMinutes: 2, cycle: [{ action: 'removeAgents', tenantId: 't1', queueId: 'a', count: 1 }] }));
    expect(config.incidents).toEqual({ firstAfterMinutes: 1, everyMinutes: 5, durationMinutes: 2, cycle: [{ action: 'removeAgents', tenantId: 't1', queueId: 'a', count: 1, reason: 'break' }] });
  });

  it('rejects an incident on an unknown queue and incidents that would overlap', () => {
    expect(rejection(withIncidents({ everyMinutes: 5, durationMinutes: 2, cycle: [{ action: 'surge', tenantId: 't1', queueId: 'zz', multiplier: 2 }] })).message).toMatch(/incidents\.cycle\.0\.queueId: unknown queue "zz"/);
    expect(rejection(withIncidents({ everyMinutes: 5, durationMinutes: 5, cycle: [{ action: 'surge', tenantId: 't1', queueId: 'a', multiplier: 2 }] })).message).toMatch(/incidents\.durationMinutes/);
  });

  it('ships a demo config whose incidents name real queues', async () => {
    const demo = await loadSimulatorConfig(DEMO_CONFIG_PATH);
    expect(demo.tenants.every((t) => t.profile === 'flat')).toBe(true);
    expect(demo.incidents?.everyMinutes).toBe(5);
  });
});
