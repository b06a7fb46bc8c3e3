import type { ShiftConfig } from './config.js';
import { zonedParts, zonedTimeToEpoch } from './time-zone.js';

/** One occurrence of a shift, `[start, end)` in epoch ms. */
export interface ShiftInstance {
  start: number;
  end: number;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The first occurrence of `shift` that is still running or yet to come at `after` (its end lies
 * after `after`), or `undefined` if the shift never runs. Local hours are turned into instants
 * with the zone's real offset on that date, so a shift over a DST change is an hour longer or
 * shorter, as it is for the people working it.
 */
export function nextShift(shift: ShiftConfig, timeZone: string, after: number): ShiftInstance | undefined {
  const today = zonedParts(timeZone, after);
  const endHour = shift.endHour > shift.startHour ? shift.endHour : shift.endHour + 24;
  // Yesterday's overnight shift may still be running; a week ahead covers any set of weekdays.
  for (let k = -1; k <= 8; k += 1) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + k));
    if (!shift.days.includes(date.getUTCDay())) continue;
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    const start = zonedTimeToEpoch(timeZone, y, m, d, shift.startHour * 60);
    const end = zonedTimeToEpoch(timeZone, y, m, d, endHour * 60);
    if (end > after && end > start) return { start, end: Math.min(end, start + DAY_MS) };
  }
  return undefined;
}
