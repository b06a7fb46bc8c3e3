import { CallboardError } from '@callboard/errors';
import { FINE_BUCKET_MS } from './bucket-keys.js';
import { offsetMs, wallClock, zonedToUtc } from './time-zone.js';

export const WINDOW_NAMES = ['rolling-5m', 'rolling-15m', 'rolling-60m', 'interval-15m', 'interval-30m', 'today'] as const;
export type WindowName = (typeof WINDOW_NAMES)[number];

export interface TenantClock {
  /** IANA zone, e.g. Asia/Shanghai. */
  timeZone: string;
  /** Hour of the local day at which "today" starts (0..23). */
  dayStartHour: number;
}

export interface TimeRange {
  from: number;
  to: number;
}

/** The end of every window: "now" rounded up to a 10 s bucket boundary, so the current bucket counts whole. */
export function windowEnd(atMs: number): number {
  return Math.ceil(atMs / FINE_BUCKET_MS) * FINE_BUCKET_MS;
}

/**
 * The tenant's business day holding `atMs`: from `dayStartHour` local time to the same hour of the
 * next local day. Its length follows the zone's DST rules: 23 h or 25 h on change days.
 */
export function dayBounds(atMs: number, clock: TenantClock): TimeRange {
  const w = wallClock(atMs, clock.timeZone);
  let start = zonedToUtc(w.year, w.month, w.day, clock.dayStartHour, clock.timeZone);
  if (start > atMs) {
    const prev = wallClock(atMs - 24 * 3600_000, clock.timeZone);
    start = zonedToUtc(prev.year, prev.month, prev.day, clock.dayStartHour, clock.timeZone);
  }
  // The next local day's date, found from noon of this day so DST cannot skip or repeat it.
  const s = wallClock(start, clock.timeZone);
  const next = new Date(Date.UTC(s.year, s.month - 1, s.day + 1, 12));
  const end = zonedToUtc(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), clock.dayStartHour, clock.timeZone);
  return { from: start, to: end };
}

/** Start of the local interval of `minutes` (15 or 30) holding `atMs`, aligned like a WFM interval. */
export function intervalStartLocal(atMs: number, minutes: number, timeZone: string): number {
  const off = offsetMs(atMs, timeZone);
  const size = minutes * 60_000;
  return Math.floor((atMs + off) / size) * size - off;
}

/** The `[from, to)` a named window covers at `atMs` (DESIGN §4 reads). */
export function resolveWindow(name: WindowName, atMs: number, clock: TenantClock): TimeRange {
  const to = windowEnd(atMs);
  switch (name) {
    case 'rolling-5m':
      return { from: to - 5 * 60_000, to };
    case 'rolling-15m':
      return { from: to - 15 * 60_000, to };
    case 'rolling-60m':
      return { from: to - 60 * 60_000, to };
    case 'interval-15m':
      return { from: intervalStartLocal(atMs, 15, clock.timeZone), to };
    case 'interval-30m':
      return { from: intervalStartLocal(atMs, 30, clock.timeZone), to };
    case 'today':
      return { from: dayBounds(atMs, clock).from, to };
    default:
      throw new CallboardError('CB_USAGE', `unknown window ${JSON.stringify(name)}`);
  }
}
