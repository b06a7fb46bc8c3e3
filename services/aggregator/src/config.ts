import { z } from 'zod';
import { type Env, loadInfraConfig, type InfraConfig, nonNegativeIntVar, parseEnv, portVar, positiveIntVar } from '@callboard/runtime';

/** Defaults, beside the schema (docs/configuration.md lists them too). */
export const AGGREGATOR_DEFAULTS = {
  CB_AGGREGATOR_GROUP: 'callboard-aggregator',
  CB_AGGREGATOR_HTTP_PORT: 9401,
  CB_QUEUES_FILE: 'config/queues.json',
  CB_GRACE_MS: 2 * 3600_000,
  CB_MAX_SKEW_MS: 5 * 60_000,
  CB_SNAPSHOT_INTERVAL_MS: 1000,
  CB_REDIS_NAMESPACE: 'cb',
  CB_AGGREGATOR_CONCURRENCY: 2,
  CB_AGGREGATOR_CHUNK_SIZE: 500,
  CB_SOURCE_SILENT_AFTER_MS: 60_000,
  /** 0: a source is never stale by event age alone (a quiet night with a live PBX is not stale). */
  CB_SOURCE_MAX_EVENT_AGE_MS: 0,
} as const;

const schema = z.object({
  CB_AGGREGATOR_GROUP: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/).default(AGGREGATOR_DEFAULTS.CB_AGGREGATOR_GROUP),
  /** 0 picks a free port (tests). */
  CB_AGGREGATOR_HTTP_PORT: z.union([z.literal('0').transform(() => 0), portVar]).default(AGGREGATOR_DEFAULTS.CB_AGGREGATOR_HTTP_PORT),
  CB_QUEUES_FILE: z.string().min(1).default(AGGREGATOR_DEFAULTS.CB_QUEUES_FILE),
  CB_GRACE_MS: positiveIntVar.max(24 * 3600_000, 'must be at most 24 h').default(AGGREGATOR_DEFAULTS.CB_GRACE_MS),
  CB_MAX_SKEW_MS: nonNegativeIntVar.max(24 * 3600_000, 'must be at most 24 h').default(AGGREGATOR_DEFAULTS.CB_MAX_SKEW_MS),
  CB_SNAPSHOT_INTERVAL_MS: positiveIntVar.min(100, 'must be at least 100').max(60_000, 'must be at most 60000').default(AGGREGATOR_DEFAULTS.CB_SNAPSHOT_INTERVAL_MS),
  CB_REDIS_NAMESPACE: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).default(AGGREGATOR_DEFAULTS.CB_REDIS_NAMESPACE),
  CB_AGGREGATOR_CONCURRENCY: positiveIntVar.max(64).default(AGGREGATOR_DEFAULTS.CB_AGGREGATOR_CONCURRENCY),
  CB_AGGREGATOR_CHUNK_SIZE: positiveIntVar.max(100_000, 'must be at most 100000').default(AGGREGATOR_DEFAULTS.CB_AGGREGATOR_CHUNK_SIZE),
  CB_SOURCE_SILENT_AFTER_MS: positiveIntVar.min(1000, 'must be at least 1000').max(24 * 3600_000, 'must be at most 24 h').default(AGGREGATOR_DEFAULTS.CB_SOURCE_SILENT_AFTER_MS),
  CB_SOURCE_MAX_EVENT_AGE_MS: nonNegativeIntVar.max(30 * 24 * 3600_000, 'must be at most 30 days').default(AGGREGATOR_DEFAULTS.CB_SOURCE_MAX_EVENT_AGE_MS),
});

export interface AggregatorConfig {
  infra: InfraConfig;
  groupId: string;
  httpPort: number;
  queuesFile: string;
  graceMs: number;
  maxSkewMs: number;
  snapshotIntervalMs: number;
  redisNamespace: string;
  concurrency: number;
  /** Records per apply call within a partition batch (decode overlaps apply; see the README). */
  chunkSize: number;
  /** When a source counts as stale (docs/decisions/0008-source-freshness.md). */
  sources: { silentAfterMs: number; maxEventAgeMs?: number };
}

export function loadAggregatorConfig(env: Env): Readonly<AggregatorConfig> {
  const e = parseEnv(schema, env);
  return Object.freeze({
    infra: loadInfraConfig(env),
    groupId: e.CB_AGGREGATOR_GROUP,
    httpPort: e.CB_AGGREGATOR_HTTP_PORT,
    queuesFile: e.CB_QUEUES_FILE,
    graceMs: e.CB_GRACE_MS,
    maxSkewMs: e.CB_MAX_SKEW_MS,
    snapshotIntervalMs: e.CB_SNAPSHOT_INTERVAL_MS,
    redisNamespace: e.CB_REDIS_NAMESPACE,
    concurrency: e.CB_AGGREGATOR_CONCURRENCY,
    chunkSize: e.CB_AGGREGATOR_CHUNK_SIZE,
    sources: { silentAfterMs: e.CB_SOURCE_SILENT_AFTER_MS, ...(e.CB_SOURCE_MAX_EVENT_AGE_MS > 0 ? { maxEventAgeMs: e.CB_SOURCE_MAX_EVENT_AGE_MS } : {}) },
  });
}
