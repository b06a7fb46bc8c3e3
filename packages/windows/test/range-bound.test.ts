import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCallboardError } from '@callboard/errors';
import { parseEvent, type CanonicalEventInput } from '@callboard/events';
import { DEFAULT_QUEUE_KPI_SETTINGS } from '@callboard/kpi';
import { createRedis, type RedisClient as Redis } from '@callboard/runtime';
import { infra, testLogger } from '../../../test/helpers/infra.js';
import { MAX_READ_KEYS, WindowStore } from '../src/index.js';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;

async function refusal(read: Promise<unknown>): Promise<{ code: string; context: Record<string, unknown> } | undefined> {
  try {
    await read;
    return undefined;
  } catch (err) {
    if (!isCallboardError(err)) throw err;
    return { code: err.code, context: err.context };
  }
}

/** Issue 8 item 2: every range read goes through the store's plan, which bounds its span and keys. */
describe('the range bound of WindowStore reads', () => {
  let redis: Redis;
  let store: WindowStore;
  const now = Date.now();

  beforeAll(async () => {
    redis = createRedis(infra.redis, testLogger);
    await redis.connect();
    store = new WindowStore(redis, { namespace: `t-${randomBytes(4).toString('hex')}` });
    // Seven days ago and now: a max-span read must find both.
    const events = [now - 7 * DAY, now - 30_000].flatMap((at, i) => [
      { type: 'call.offered', callId: `c${i}`, occurredAt: new Date(at).toISOString(), channel: 'voice', direction: 'inbound' },
      { type: 'call.answered', callId: `c${i}`, occurredAt: new Date(at + 5000).toISOString(), agentId: 'a1', waitMs: 5000 },
    ]);
    await store.applyBatch({
      group: 'g',
      topic: 'calls',
      partition: 0,
      events: events.map((e, i) => ({ offset: String(i), event: parseEvent({ eventId: `e${i}`, tenantId: 'acme', queueId: 'billing', ...e } as CanonicalEventInput) })),
      settingsFor: () => DEFAULT_QUEUE_KPI_SETTINGS,
      nowMs: now,
    });
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('refuses 1970 to 2100 with CB_RANGE_TOO_LARGE before touching Redis', async () => {
    const r = await refusal(store.readRange('acme', 'billing', Date.parse('1970-01-01T00:00:00Z'), Date.parse('2100-01-01T00:00:00Z'), now));
    expect(r).toMatchObject({ code: 'CB_RANGE_TOO_LARGE', context: { maxSpanMs: store.intervalRetentionMs } });
  });

  it('refuses a span one bucket longer than the interval retention', async () => {
    const r = await refusal(store.readRange('acme', 'billing', now - 8 * DAY - 10_000, now, now));
    expect(r?.code).toBe('CB_RANGE_TOO_LARGE');
  });

  it('refuses a span within the retention whose plan has more than MAX_READ_KEYS keys, without building it', async () => {
    // From the fine horizon a day into the future: 10 s precision, one key a minute, 1 440+ keys.
    const r = await refusal(store.readRange('acme', 'billing', now - 30 * MIN, now + DAY, now));
    expect(r).toMatchObject({ code: 'CB_RANGE_TOO_LARGE', context: { maxKeys: MAX_READ_KEYS } });
    expect(r!.context.keys as number).toBeGreaterThan(MAX_READ_KEYS);
  });

  it('answers a read of exactly the retention span with its data', async () => {
    const read = await store.readRange('acme', 'billing', now - 8 * DAY, now, now);
    expect(read.counts.offered).toBe(2);
    expect(read.counts.answered).toBe(2);
  });

  it('answers every past span up to the retention, at any alignment', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
    for (let i = 0; i < 60; i += 1) {
      const to = now + 5 * MIN - Math.floor(random() * 9 * DAY);
      const from = to - 1 - Math.floor(random() * 8 * DAY);
      const r = await refusal(store.readRange('acme', 'billing', from, to, now));
      expect(r, `[${new Date(from).toISOString()}, ${new Date(to).toISOString()})`).toBeUndefined();
    }
  });
});
