import { addLocalDays, type LocalDate, zonedParts, zonedTimeToEpoch, zoneOffsetMs } from '@callboard/clock';
import { CallboardError } from '@callboard/errors';
import { FINE_BUCKET_MS } from './bucket-keys.js';

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

/** The instant the business day of local date `date` starts: `dayStartHour`:00 local, by the gap and overlap rule of `zonedTimeToEpoch`. */
function dayStart(date: LocalDate, clock: TenantClock): number {
  return zonedTimeToEpoch(clock.timeZone, date.year, date.month, date.day, clock.dayStartHour * 60);
}

/**
 * The tenant's business day holding `atMs`: from `dayStartHour` local time to the same hour of the
 * next local day. Its length follows the zone's rules: 23 h or 25 h on DST days (30 min off on Lord
 * Howe), never 24 h by assumption. Days are stepped on the local calendar, never by 24 h of UTC, and
 * a day start that falls in a gap starts at the end of the gap, one in an overlap at its first
 * occurrence (issue 8, item 6). Consecutive days tile: each `to` is the next day's `from`.
 */
export function dayBounds(atMs: number, clock: TenantClock): TimeRange {
  let date: LocalDate = zonedParts(clock.timeZone, atMs);
  let from = dayStart(date, clock);
  // Before the day start on the local date of `atMs` (or in a repeated hour), it is still the day before.
  while (from > atMs) {
    date = addLocalDays(date, -1);
    from = dayStart(date, clock);
  }
  let to = dayStart(addLocalDays(date, 1), clock);
  while (to <= atMs) {
    date = addLocalDays(date, 1);
    from = to;
    to = dayStart(addLocalDays(date, 1), clock);
  }
  return { from, to };
}

/** Start of the local interval of `minutes` (15 or 30) holding `atMs`, aligned like a WFM interval. */
export function intervalStartLocal(atMs: number, minutes: number, timeZone: string): number {
  const off = zoneOffsetMs(timeZone, atMs);
  const size = minutes * 60_000;
  return Math.floor((atMs + off) / size) * size - off;
}

/**
 * The calendar month ('YYYY-MM') holding `atMs` in the tenant's zone: the month complaints per 10 000
 * subscribers is reported by (decision 0010 §4, §6). Calendar, not business day: `dayStartHour` does not move it.
 */
export function monthOf(clock: Pick<TenantClock, 'timeZone'>, atMs: number): string {
  const { year, month } = zonedParts(clock.timeZone, atMs);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
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
