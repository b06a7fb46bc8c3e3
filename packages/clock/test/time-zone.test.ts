import { describe, expect, it } from 'vitest';
import { addLocalDays, zonedParts, zonedTimeToEpoch, zoneOffsetMs } from '../src/index.js';

describe('zone math', () => {
  it('maps a wall time in a gap to the end of the gap, and one in an overlap to its first occurrence', () => {
    // New York 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00Z, so 02:30 does not exist.
    expect(new Date(zonedTimeToEpoch('America/New_York', 2026, 3, 8, 2.5 * 60)).toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(new Date(zonedTimeToEpoch('America/New_York', 2026, 3, 8, 3 * 60)).toISOString()).toBe('2026-03-08T07:00:00.000Z');
    // 2026-11-01: 01:30 happens at 05:30Z (EDT) and again at 06:30Z (EST).
    expect(new Date(zonedTimeToEpoch('America/New_York', 2026, 11, 1, 1.5 * 60)).toISOString()).toBe('2026-11-01T05:30:00.000Z');
    // Lord Howe moves by 30 minutes: 02:00 +10:30 becomes 02:30 +11:00 on 2026-10-04.
    expect(new Date(zonedTimeToEpoch('Australia/Lord_Howe', 2026, 10, 4, 2 * 60 + 15)).toISOString()).toBe('2026-10-03T15:30:00.000Z');
  });

  it('reads offsets exactly on both sides of a change', () => {
    const change = Date.parse('2026-03-08T07:00:00Z');
    expect(zoneOffsetMs('America/New_York', change - 1)).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs('America/New_York', change)).toBe(-4 * 3_600_000);
    expect(zonedParts('America/New_York', change)).toMatchObject({ day: 8, hour: 3, minute: 0 });
  });

  it('steps local calendar dates across months, years and leap days', () => {
    expect(addLocalDays({ year: 2028, month: 2, day: 28 }, 1)).toEqual({ year: 2028, month: 2, day: 29 });
    expect(addLocalDays({ year: 2026, month: 3, day: 1 }, -1)).toEqual({ year: 2026, month: 2, day: 28 });
    expect(addLocalDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1 });
  });
});
