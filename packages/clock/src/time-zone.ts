/**
 * Local wall-clock arithmetic in IANA time zones with nothing but `Intl`.
 *
 * "Today", WFM intervals, arrival profiles and shifts are defined in a tenant's local time, and DST days
 * are 23 h or 25 h long (DESIGN §4), so local time is always derived from the zone's real offset at
 * the instant, and a local wall time is turned into an instant with one stated rule for gaps and
 * overlaps ({@link wallTimeToEpoch}).
 */

/** A local date and time; `month` is 1–12, `weekday` 0 (Sunday) – 6. */
export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const DAY_MS = 24 * 3600_000;
/** Offsets are cached per 15-minute UTC slot; a slot whose two ends disagree is never cached. */
const SLOT_MS = 15 * 60_000;
const MAX_CACHED_SLOTS = 50_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
/** Per zone and slot: the offset for the whole slot, or null when a change falls inside it. */
const offsetCaches = new Map<string, Map<number, number | null>>();

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

/** The offset straight from Intl, to the second. Throws a RangeError for a zone Intl does not know. */
function intlOffset(timeZone: string, epochMs: number): number {
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
    // Every zone changes offset at most once in 15 minutes, so equal ends mean one offset for the slot.
    const first = intlOffset(timeZone, slot * SLOT_MS);
    const last = intlOffset(timeZone, (slot + 1) * SLOT_MS - 1000);
    offset = first === last ? first : null;
    if (cache.size >= MAX_CACHED_SLOTS) cache.clear();
    cache.set(slot, offset);
  }
  return offset ?? intlOffset(timeZone, epochMs);
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
  return (((localMs % DAY_MS) + DAY_MS) % DAY_MS) / 3600_000;
}

/**
 * The first instant at which the zone's clock reads `wallMs` or later, `wallMs` being the local wall
 * time written as if it were UTC. So a wall time that occurs once maps to that instant; one repeated by
 * a change back (an overlap) maps to its first occurrence; and one skipped by a change forward (a gap)
 * maps to the first instant after the gap, the instant of the change itself.
 */
function wallTimeToEpoch(timeZone: string, wallMs: number): number {
  // The true instant lies within 14 h of wallMs, so the offsets a day either side are the candidates.
  const before = wallMs - zoneOffsetMs(timeZone, wallMs - DAY_MS);
  const after = wallMs - zoneOffsetMs(timeZone, wallMs + DAY_MS);
  const readsBack = (t: number): boolean => t + zoneOffsetMs(timeZone, t) === wallMs;
  const valid = [before, after].filter(readsBack);
  if (valid.length > 0) return Math.min(...valid);
  // A gap: the clock jumps over wallMs. Search the change between the two candidates: the first
  // instant whose wall clock is at or past wallMs.
  let lo = Math.min(before, after);
  let hi = Math.max(before, after);
  const reached = (t: number): boolean => t + zoneOffsetMs(timeZone, t) >= wallMs;
  if (reached(lo)) return lo;
  if (!reached(hi)) return hi;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (reached(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The instant at which the local clock in `timeZone` reads `minutesOfDay` after midnight of the given
 * local date, by the rule of {@link wallTimeToEpoch}. Minutes past 1440 roll into the next day.
 */
export function zonedTimeToEpoch(timeZone: string, year: number, month: number, day: number, minutesOfDay: number): number {
  return wallTimeToEpoch(timeZone, Date.UTC(year, month - 1, day, 0, 0, 0) + Math.round(minutesOfDay * 60_000));
}
