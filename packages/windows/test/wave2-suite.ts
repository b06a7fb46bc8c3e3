import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { parseEvent, type CanonicalEvent, type CanonicalEventInput } from '@callboard/events';
import { DEFAULT_QUEUE_KPI_SETTINGS, DEFAULT_TENANT_KPI_SETTINGS, type TenantKpiSettings } from '@callboard/kpi';
import { createRedis, type RedisClient as Redis } from '@callboard/runtime';
import { infra, testLogger } from '../../../test/helpers/infra.js';
import { WindowStore, type ApplyBatchResult } from '../src/index.js';

export const T0 = Date.parse('2026-05-10T10:00:00Z');
export const NOW = T0 + 3600_000;
export const iso = (ms: number): string => new Date(ms).toISOString();

let seq = 0;
/** A parsed event of tenant `acme` (queue `camp` unless given), with a fresh eventId unless given. */
export function ev(input: Record<string, unknown>, eventId = `e${(seq += 1)}`): CanonicalEvent {
  return parseEvent({ eventId, tenantId: 'acme', queueId: 'camp', ...input } as CanonicalEventInput);
}

/** A real Redis client (the project's: one node or the Cluster), connected before the suite's tests and closed after. */
export function suiteRedis(): { readonly redis: Redis } {
  const holder = {} as { redis: Redis };
  beforeAll(async () => {
    holder.redis = createRedis(infra.redis, testLogger);
    await holder.redis.connect();
  });
  afterAll(async () => {
    await holder.redis.quit();
  });
  return holder;
}

export interface Wave2Suite {
  redis: Redis;
  store: WindowStore;
  /** Applies events as the next offsets of one partition of `topic`. */
  apply(events: CanonicalEvent[], topic?: string, tenantSettings?: Partial<TenantKpiSettings>): Promise<ApplyBatchResult>;
}

/** A real Redis connection for the suite and a store in a fresh namespace per test. */
export function wave2Suite(label: string): Wave2Suite {
  const offsets = new Map<string, number>();
  const connection = suiteRedis();
  const suite = {
    apply(events: CanonicalEvent[], topic = 'calls', tenantSettings?: Partial<TenantKpiSettings>) {
      let offset = offsets.get(topic) ?? 0;
      const batch = events.map((event) => ({ offset: String(offset++), event }));
      offsets.set(topic, offset);
      return suite.store.applyBatch({
        group: 'g',
        topic,
        partition: 0,
        events: batch,
        settingsFor: () => DEFAULT_QUEUE_KPI_SETTINGS,
        ...(tenantSettings ? { tenantSettingsFor: (_tenantId: string) => ({ ...DEFAULT_TENANT_KPI_SETTINGS, ...tenantSettings }) } : {}),
        nowMs: NOW,
      });
    },
  } as Wave2Suite;
  beforeEach(() => {
    suite.redis = connection.redis;
    suite.store = new WindowStore(suite.redis, { namespace: `t-${label}-${randomBytes(4).toString('hex')}` });
    offsets.clear();
  });
  return suite;
}
