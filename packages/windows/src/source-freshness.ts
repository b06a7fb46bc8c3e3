import { tenantKeys } from './bucket-keys.js';
import type { WindowStore } from './store.js';

/**
 * How fresh one source of a tenant is, as a KPI snapshot carries it (`sources[]`, docs/kpi-topic.md,
 * docs/decisions/0008-source-freshness.md). Instants are ISO strings, ages ms; null when unknown.
 */
export interface SourceFreshness {
  /** The events' `source` field, e.g. `asterisk:pbx1`. */
  source: string;
  /** occurredAt of the newest event of this source the aggregator received (the end-to-end truth). */
  newestEventAt: string | null;
  newestEventAgeMs: number | null;
  /** The last heartbeat from the source (its clock, never later than the aggregator's). */
  heartbeatAt: string | null;
  heartbeatAgeMs: number | null;
  /** The newest event the source says it produced; ahead of newestEventAt when the pipeline is behind. */
  reportedNewestEventAt: string | null;
  stale: boolean;
  /** Why stale, or null: see {@link StaleReason}. */
  staleReason: StaleReason | null;
}

/**
 * - `heartbeat-silent`: no heartbeat for `silentAfterMs` (the adapter or its host died);
 * - `no-heartbeat`: a source that never sent a heartbeat (a replay, an old adapter) and no event for `silentAfterMs`;
 * - `behind`: the source produced an event `silentAfterMs` ago or more that the aggregator has not received (Kafka or the pipeline is stuck);
 * - `event-too-old`: the newest event is older than the configured `maxEventAgeMs` (off by default: a quiet night is not stale).
 */
export type StaleReason = 'heartbeat-silent' | 'no-heartbeat' | 'behind' | 'event-too-old';

/** No heartbeat for this long makes a source stale (issue 10 item 5: six missed 10 s heartbeats). */
export const SOURCE_SILENT_AFTER_MS = 60_000;

/** A source with neither heartbeat nor event for this long is dropped from snapshots (renamed or retired). */
export const SOURCE_RETENTION_MS = 7 * 24 * 3600_000;

export interface SourceJudgement {
  /** Default {@link SOURCE_SILENT_AFTER_MS}. */
  silentAfterMs?: number;
  /** Newest event older than this is stale too; unset (default) never judges by event age alone. */
  maxEventAgeMs?: number;
  /** Default {@link SOURCE_RETENTION_MS}. */
  retentionMs?: number;
}

/** The kinds of field in a tenant's sources hash, one of each per source (note-sources-1.lua). */
export const SOURCE_FIELD = { event: 'e', heartbeat: 'h', reported: 'r' } as const;

type FieldKind = (typeof SOURCE_FIELD)[keyof typeof SOURCE_FIELD];

/** The hash field of `source` for one kind; `|` separates, and a source may hold any character after it. */
export function sourceField(kind: FieldKind, source: string): string {
  return `${kind}|${source}`;
}

/** Seconds a tenant's sources hash lives after its last write: as long as a silent source stays listed. */
const TTL_SECONDS = Math.ceil(SOURCE_RETENTION_MS / 1000);

/**
 * Raises the given freshness fields of one tenant (largest value wins) with one script call, in the
 * tenant's slot. The aggregator calls it at most once per tenant per chunk of events, and per batch of
 * heartbeats.
 */
export async function noteSourceTimes(store: WindowStore, tenantId: string, fields: ReadonlyMap<string, number>): Promise<number> {
  if (fields.size === 0) return 0;
  const args: (string | number)[] = [];
  for (const [field, value] of fields) args.push(field, Math.round(value));
  return store.redis.cbNoteSources(tenantKeys(store.namespace, tenantId).sources, TTL_SECONDS, ...args);
}

/** Reads and judges every source of a tenant at `nowMs`, sorted by source. */
export async function readSourceFreshness(store: WindowStore, tenantId: string, nowMs: number, judgement: SourceJudgement = {}): Promise<SourceFreshness[]> {
  return judgeSources(await store.redis.hgetall(tenantKeys(store.namespace, tenantId).sources), nowMs, judgement);
}

/** Pure: the freshness of each source in a sources hash at `nowMs` (see {@link StaleReason}). */
export function judgeSources(hash: Record<string, string>, nowMs: number, judgement: SourceJudgement = {}): SourceFreshness[] {
  const silentAfterMs = judgement.silentAfterMs ?? SOURCE_SILENT_AFTER_MS;
  const retentionMs = judgement.retentionMs ?? SOURCE_RETENTION_MS;
  const bySource = new Map<string, Partial<Record<FieldKind, number>>>();
  for (const [field, raw] of Object.entries(hash)) {
    const bar = field.indexOf('|');
    const value = Number(raw);
    if (bar !== 1 || !Number.isFinite(value)) continue;
    const source = field.slice(2);
    const entry = bySource.get(source) ?? {};
    entry[field[0] as FieldKind] = value;
    bySource.set(source, entry);
  }
  const out: SourceFreshness[] = [];
  for (const [source, f] of bySource) {
    const event = f.e;
    const heartbeat = f.h;
    const reported = f.r;
    const lastSign = Math.max(event ?? -Infinity, heartbeat ?? -Infinity);
    if (nowMs - lastSign > retentionMs) continue;
    const eventAge = event === undefined ? null : Math.max(0, nowMs - event);
    const heartbeatAge = heartbeat === undefined ? null : Math.max(0, nowMs - heartbeat);
    let staleReason: StaleReason | null = null;
    if (heartbeatAge !== null && heartbeatAge > silentAfterMs) staleReason = 'heartbeat-silent';
    else if (heartbeatAge === null && (eventAge === null || eventAge > silentAfterMs)) staleReason = 'no-heartbeat';
    else if (reported !== undefined && (event === undefined || reported > event) && nowMs - reported > silentAfterMs) staleReason = 'behind';
    else if (judgement.maxEventAgeMs !== undefined && (eventAge === null || eventAge > judgement.maxEventAgeMs)) staleReason = 'event-too-old';
    const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
    out.push({
      source,
      newestEventAt: iso(event),
      newestEventAgeMs: eventAge,
      heartbeatAt: iso(heartbeat),
      heartbeatAgeMs: heartbeatAge,
      reportedNewestEventAt: iso(reported),
      stale: staleReason !== null,
      staleReason,
    });
  }
  return out.sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : 0));
}
