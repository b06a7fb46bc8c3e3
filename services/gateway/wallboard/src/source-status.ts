import type { KpiView, SourceView } from './types.js';

/** One source as the bar shows it, aged to the moment of drawing. */
export interface SourceRow {
  source: string;
  /** Age of the newest event now, ms; null before the first event. */
  eventAgeMs: number | null;
  stale: boolean;
  staleReason: string | null;
}

/**
 * The tenant's sources from the newest snapshot that carries them (every queue of a tenant carries
 * the same list, docs/decisions/0008-source-freshness.md), with ages grown by the time since that
 * snapshot, so the age keeps counting on a screen whose snapshots stopped. `[]` when no snapshot
 * carries sources (a gateway older than them, or no source yet).
 */
export function sourceRows(views: Iterable<KpiView>, nowMs: number): SourceRow[] {
  let newest: KpiView | undefined;
  for (const v of views) {
    if (v.sources === undefined) continue;
    if (!newest || (Date.parse(v.at) || 0) > (Date.parse(newest.at) || 0)) newest = v;
  }
  if (!newest?.sources) return [];
  const since = Math.max(0, nowMs - (Date.parse(newest.at) || nowMs));
  return newest.sources.map((s: SourceView) => ({
    source: s.source,
    eventAgeMs: s.newestEventAgeMs === null ? null : s.newestEventAgeMs + since,
    stale: s.stale,
    staleReason: s.staleReason,
  }));
}

/** Whether every known source is stale: then the KPIs are not live, however fresh the snapshots. */
export function everySourceStale(rows: readonly SourceRow[]): boolean {
  return rows.length > 0 && rows.every((r) => r.stale);
}

/** A compact age for the bar: `42s`, `12m 05s`, `3h 07m`. */
export function shortAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}
