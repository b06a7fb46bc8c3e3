import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import { computeOracle, DEFAULT_QUEUE_KPI_SETTINGS } from '@callboard/kpi';
import { createRedis, type RedisClient as Redis } from '@callboard/runtime';
import { infra, testLogger } from '../../../test/helpers/infra.js';
import { tenantAgentsKey, WindowStore } from '../src/index.js';

/*
 * Issue 8 item 7: any eventId the contract allows (any string of 1..128 characters) must
 * round-trip through the store. Agent state used to be a `|`-joined string, so an eventId
 * holding `|` made the agent vanish from the live counts.
 */

const T0 = Date.parse('2026-05-10T10:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

/** Every separator the store ever used or might, quotes, escapes, unicode, and the contract's longest id. */
const AWKWARD_IDS = [
  'a|b',
  '|',
  '||x||',
  'x,y',
  'q:1',
  'say "hi"',
  "it's",
  'back\\slash',
  '{"json":[1]}',
  '客服-事件-🎧',
  'tab\there',
  'z'.repeat(128),
  '|'.repeat(128),
];

function agent(agentId: string, eventId: string, state: string, at: number, queueIds = ['billing']): CanonicalEvent {
  return parseEvent({ type: 'agent.state_changed', eventId, tenantId: 'acme', agentId, state, queueIds, occurredAt: iso(at) } as CanonicalEventInput);
}

function call(type: string, callId: string, eventId: string, at: number, fields: Record<string, unknown> = {}): CanonicalEvent {
  return parseEvent({ type, eventId, tenantId: 'acme', queueId: 'billing', callId, occurredAt: iso(at), ...fields } as CanonicalEventInput);
}

describe('WindowStore: eventIds round-trip whatever characters they hold (real Redis)', () => {
  let redis: Redis;
  let store: WindowStore;
  let offset = 0;
  const settingsFor = () => DEFAULT_QUEUE_KPI_SETTINGS;
  async function apply(events: CanonicalEvent[]) {
    return store.applyBatch({ group: 'g', topic: 'events', partition: 0, events: events.map((event) => ({ offset: String(offset++), event })), settingsFor, nowMs: T0 + 3600_000 });
  }

  beforeAll(async () => {
    redis = createRedis(infra.redis, testLogger);
    await redis.connect();
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    store = new WindowStore(redis, { namespace: `t-${randomBytes(4).toString('hex')}` });
    offset = 0;
  });

  it('counts every agent whose last eventId holds a separator, a quote, unicode or 128 characters', async () => {
    const states = ['available', 'on_call', 'wrap_up', 'away', 'logged_out'] as const;
    const events = AWKWARD_IDS.map((id, i) => agent(`a${i}`, id, states[i % states.length]!, T0 + 1_000));
    await apply(events);
    const live = await store.liveState('acme', 'billing', T0 + 60_000);
    const expected = { logged_out: 0, available: 0, on_call: 0, wrap_up: 0, away: 0 };
    AWKWARD_IDS.forEach((_, i) => (expected[states[i % states.length]!] += 1));
    expect(live.agents).toEqual(expected);
  });

  it('still orders an agent\'s states by time, then by eventId, when the stored eventId holds a separator', async () => {
    await apply([agent('a1', 'x|y|z', 'on_call', T0 + 5_000)]);
    // Older: ignored, even though its id would sort after the stored one.
    await apply([agent('a1', '~older', 'away', T0 + 4_000)]);
    expect((await store.liveState('acme', 'billing', T0 + 60_000)).agents).toMatchObject({ on_call: 1, away: 0 });
    // Same instant: the larger eventId wins ('x|y|~' > 'x|y|z' in code-point order).
    await apply([agent('a1', 'x|y|~', 'wrap_up', T0 + 5_000)]);
    expect((await store.liveState('acme', 'billing', T0 + 60_000)).agents).toMatchObject({ on_call: 0, wrap_up: 1 });
    await apply([agent('a1', 'x|y|a', 'available', T0 + 5_000)]);
    expect((await store.liveState('acme', 'billing', T0 + 60_000)).agents).toMatchObject({ wrap_up: 1, available: 0 });
    // Newer: wins.
    await apply([agent('a1', '|', 'available', T0 + 6_000)]);
    expect((await store.liveState('acme', 'billing', T0 + 60_000)).agents).toMatchObject({ wrap_up: 0, available: 1 });
  });

  it('reads agent values stored in the older joined form, eventIds with separators included', async () => {
    const key = tenantAgentsKey(store.namespace, 'acme');
    await redis.hset(key, 'old1', `${T0 + 5_000}|a|b|on_call|billing,sales`, 'old2', `${T0 + 5_000}|c|away|sales`);
    expect((await store.liveState('acme', 'billing', T0 + 60_000)).agents).toMatchObject({ on_call: 1, away: 0 });
    // The script orders a new event against the old value by its time and its whole eventId 'a|b'.
    await apply([agent('old1', 'a|a', 'available', T0 + 5_000)]);
    expect((await store.liveState('acme', 'billing', T0 + 60_000)).agents).toMatchObject({ on_call: 1, available: 0 });
    await apply([agent('old1', 'a|c', 'available', T0 + 5_000)]);
    expect((await store.liveState('acme', 'billing', T0 + 60_000)).agents).toMatchObject({ on_call: 0, available: 1 });
  });

  it('dedupes call events by those eventIds exactly like the oracle', async () => {
    const events: CanonicalEvent[] = [];
    AWKWARD_IDS.forEach((id, i) => {
      events.push(call('call.offered', `c${i}`, `${id}`, T0 + i * 1_000, { channel: 'voice', direction: 'inbound' }));
      events.push(call('call.answered', `c${i}`, `${id}/answer`.slice(-128), T0 + i * 1_000 + 2_000, { agentId: 'a1', waitMs: 2_000 }));
    });
    // Every event delivered twice under a new offset: the copies are duplicates, nothing more.
    const result = await apply([...events, ...events]);
    expect(result).toMatchObject({ applied: events.length, duplicates: events.length, anomalies: 0 });
    const oracle = computeOracle([...events, ...events]).queues[0]!;
    const read = await store.readRange('acme', 'billing', T0, T0 + 3600_000, T0 + 3600_000);
    expect(read.counts).toEqual(oracle.counts);
    expect(await store.queueStats('acme', 'billing')).toEqual({ anomalies: oracle.anomalies, duplicates: oracle.duplicates, late: 0 });
  });
});
