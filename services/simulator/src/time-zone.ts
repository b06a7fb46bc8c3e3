/**
 * Local wall-clock arithmetic in IANA time zones with nothing but `Intl`.
 *
 * Arrival profiles and shifts are defined in a tenant's local time, and DST days are 23 h or 25 h
 * long (DESIGN §4), so local time is always derived from the zone's real offset at that instant.
 */

/** A local calendar date and time; `month` is 1–12, `weekday` 0 (Sunday) – 6. */
export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetCaches = new Map<string, Map<number, number>>();

/** Offsets change on quarter-hour UTC boundaries in every modern zone, so one lookup serves a slot. */
const SLOT_MS = 15 * 60 * 1000;
const MAX_CACHED_SLOTS = 50_000;

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

function computeOffset(timeZone: string, epochMs: number): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const asUtc = Date.UTC(fields.year ?? 1970, (fields.month ?? 1) - 1, fields.day ?? 1, fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0);
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** The zone's offset from UTC at `epochMs`, in ms (Asia/Shanghai gives +28 800 000). */
export function zoneOffsetMs(timeZone: string, epochMs: number): number {
  let cache = offsetCaches.get(timeZone);
  if (!cache) {
    cache = new Map();
    offsetCaches.set(timeZone, cache);
  }
  const slot = Math.floor(epochMs / SLOT_MS);
  let offset = cache.get(slot);
  if (offset === undefined) {
    offset = computeOffset(timeZone, slot * SLOT_MS);
    if (cache.size >= MAX_CACHED_SLOTS) cache.clear();
    cache.set(slot, offset);
  }
  return offset;
}

/** The local date and time at `epochMs` in `timeZone`. */
export function zonedParts(timeZone: string, epochMs: number): ZonedParts {
  const local = new Date(epochMs + zoneOffsetMs(timeZone, epochMs));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    weekday: local.getUTCDay(),
  };
}

/** Hours since local midnight at `epochMs`, fractional (10:30 gives 10.5). */
export function localHourOfDay(timeZone: string, epochMs: number): number {
  const localMs = epochMs + zoneOffsetMs(timeZone, epochMs);
  const dayMs = 24 * 3600 * 1000;
  return (((localMs % dayMs) + dayMs) % dayMs) / 3600_000;
}

/**
 * The instant at which the local clock in `timeZone` reads `minutesOfDay` after midnight of the
 * given local date. Minutes past 1440 roll into the next day. A local time skipped by a DST jump
 * resolves to the instant just after the jump; a repeated one to its first occurrence.
 */
export function zonedTimeToEpoch(timeZone: string, year: number, month: number, day: number, minutesOfDay: number): number {
  const asUtc = Date.UTC(year, month - 1, day, 0, 0, 0) + Math.round(minutesOfDay * 60_000);
  const first = asUtc - zoneOffsetMs(timeZone, asUtc);
  const second = asUtc - zoneOffsetMs(timeZone, first);
  if (first === second) return first;
  // The offsets disagree around a transition: keep whichever candidate reads back as the asked time,
  // preferring the earlier one for repeated hours.
  const candidates = [Math.min(first, second), Math.max(first, second)];
  for (const c of candidates) if (c + zoneOffsetMs(timeZone, c) === asUtc) return c;
  return Math.max(first, second);
}
