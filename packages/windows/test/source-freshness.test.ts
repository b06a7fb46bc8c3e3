import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedis, type RedisClient } from '@callboard/runtime';
import { infra, testLogger } from '../../../test/helpers/infra.js';
import { judgeSources, noteSourceTimes, readSourceFreshness, sourceField, SOURCE_FIELD, WindowStore } from '../src/index.js';

const NOW = Date.parse('2026-12-01T03:00:00.000Z');
const S = 1000;
const hash = (entries: [keyof typeof SOURCE_FIELD, string, number][]) => Object.fromEntries(entries.map(([k, s, v]) => [sourceField(SOURCE_FIELD[k], s), String(v)]));

describe('judging a source stale (decision 0008)', () => {
  it('a quiet night with a live heartbeat is fresh, and shows its old newest event honestly', () => {
    const [pbx] = judgeSources(hash([['event', 'pbx', NOW - 3 * 3600 * S], ['heartbeat', 'pbx', NOW - 8 * S], ['reported', 'pbx', NOW - 3 * 3600 * S]]), NOW);
    expect(pbx).toEqual({
      source: 'pbx',
      newestEventAt: '2026-12-01T00:00:00.000Z',
      newestEventAgeMs: 3 * 3600 * S,
      heartbeatAt: '2026-12-01T02:59:52.000Z',
      heartbeatAgeMs: 8 * S,
      reportedNewestEventAt: '2026-12-01T00:00:00.000Z',
      stale: false,
      staleReason: null,
    });
  });

  it('no heartbeat for more than 60 s is stale, however recent the events', () => {
    const [pbx] = judgeSources(hash([['event', 'pbx', NOW - 2 * S], ['heartbeat', 'pbx', NOW - 61 * S]]), NOW);
    expect(pbx).toMatchObject({ stale: true, staleReason: 'heartbeat-silent', heartbeatAgeMs: 61 * S });
    expect(judgeSources(hash([['heartbeat', 'pbx', NOW - 60 * S]]), NOW)[0]).toMatchObject({ stale: false, newestEventAt: null });
  });

  it('a source without heartbeats is fresh while its events flow, stale 60 s after the last', () => {
    expect(judgeSources(hash([['event', 'replay', NOW - 30 * S]]), NOW)[0]!.stale).toBe(false);
    expect(judgeSources(hash([['event', 'replay', NOW - 61 * S]]), NOW)[0]).toMatchObject({ stale: true, staleReason: 'no-heartbeat', heartbeatAt: null });
  });

  it('a source that produced events the pipeline has not delivered for 60 s is stale although it beats (a dead pipeline)', () => {
    const behind = hash([['event', 'pbx', NOW - 300 * S], ['heartbeat', 'pbx', NOW - 1 * S], ['reported', 'pbx', NOW - 90 * S]]);
    expect(judgeSources(behind, NOW)[0]).toMatchObject({ stale: true, staleReason: 'behind' });
    // Just produced, not yet through: not stale yet.
    const inFlight = hash([['event', 'pbx', NOW - 300 * S], ['heartbeat', 'pbx', NOW - 1 * S], ['reported', 'pbx', NOW - 5 * S]]);
    expect(judgeSources(inFlight, NOW)[0]!.stale).toBe(false);
  });

  it('judges by event age only when a bound is configured, and forgets a source silent past retention', () => {
    const quiet = hash([['event', 'pbx', NOW - 3600 * S], ['heartbeat', 'pbx', NOW - S]]);
    expect(judgeSources(quiet, NOW)[0]!.stale).toBe(false);
    expect(judgeSources(quiet, NOW, { maxEventAgeMs: 1800 * S })[0]).toMatchObject({ stale: true, staleReason: 'event-too-old' });
    expect(judgeSources(hash([['heartbeat', 'old', NOW - 8 * 24 * 3600 * S], ['event', 'new', NOW]]), NOW).map((s) => s.source)).toEqual(['new']);
  });
});

describe('source times in Redis', () => {
  let redis: RedisClient;
  beforeAll(() => {
    redis = createRedis(infra.redis, testLogger);
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('keeps the largest time per field, in the tenant\'s slot, with a TTL', async () => {
    const store = new WindowStore(redis, { namespace: `t-src-${randomBytes(4).toString('hex')}` });
    expect(await noteSourceTimes(store, 'acme', new Map([[sourceField('e', 'asterisk:pbx1'), NOW - 10 * S], [sourceField('h', 'asterisk:pbx1'), NOW - S]]))).toBe(2);
    // An older value (another instance, a heartbeat read again) never moves a time back.
    expect(await noteSourceTimes(store, 'acme', new Map([[sourceField('e', 'asterisk:pbx1'), NOW - 20 * S]]))).toBe(0);
    const [pbx] = await readSourceFreshness(store, 'acme', NOW);
    expect(pbx).toMatchObject({ source: 'asterisk:pbx1', newestEventAgeMs: 10 * S, heartbeatAgeMs: S, stale: false });
    expect(await redis.ttl(`${store.namespace}:{acme}:sources`)).toBeGreaterThan(0);
    expect(await readSourceFreshness(store, 'other', NOW)).toEqual([]);
  });
});
