import { describe, expect, it } from 'vitest';
import { createArrivalProfile, localHourOfDay, nextShift, telecomDayCurve, TELECOM_NIGHT_FLOOR, zonedParts, zonedTimeToEpoch, zoneOffsetMs } from '../src/index.js';

describe('telecom day curve', () => {
  const minutes = Array.from({ length: 24 * 60 }, (_, m) => telecomDayCurve(m / 60));

  it('peaks at 1 around 10:00, has a second peak around 15:00 and a lunch dip', () => {
    const max = Math.max(...minutes);
    expect(max).toBeCloseTo(1, 3);
    const peakHour = minutes.indexOf(max) / 60;
    expect(peakHour).toBeGreaterThan(9.5);
    expect(peakHour).toBeLessThan(10.5);
    const afternoon = Math.max(...minutes.slice(14 * 60, 16 * 60));
    expect(afternoon).toBeGreaterThan(0.8);
    const lunch = Math.min(...minutes.slice(12 * 60, 13 * 60 + 30));
    expect(lunch).toBeLessThan(0.6);
    expect(lunch).toBeLessThan(afternoon - 0.3);
  });

  it('is quiet at night (about 5 % of the peak), never above 1, and smooth', () => {
    expect(telecomDayCurve(3)).toBeCloseTo(TELECOM_NIGHT_FLOOR, 2);
    expect(Math.min(...minutes)).toBeGreaterThanOrEqual(TELECOM_NIGHT_FLOOR);
    expect(Math.max(...minutes)).toBeLessThanOrEqual(1);
    for (let m = 1; m <= minutes.length; m += 1) {
      expect(Math.abs((minutes[m % minutes.length] as number) - (minutes[m - 1] as number))).toBeLessThan(0.01);
    }
  });
});

describe('arrival profile in a time zone', () => {
  it('follows the tenant clock, not UTC', () => {
    const shanghai = createArrivalProfile({ kind: 'telecom', timeZone: 'Asia/Shanghai' });
    const stockholm = createArrivalProfile({ kind: 'telecom', timeZone: 'Europe/Stockholm' });
    const t = Date.UTC(2024, 2, 12, 2, 0); // 10:00 in Shanghai, 03:00 in Stockholm
    expect(shanghai(t)).toBeCloseTo(1, 2);
    expect(stockholm(t)).toBeCloseTo(TELECOM_NIGHT_FLOOR, 2);
  });

  it('applies the weekend factor on local Saturdays and Sundays', () => {
    const p = createArrivalProfile({ kind: 'flat', timeZone: 'Asia/Shanghai', weekendFactor: 0.5 });
    expect(p(Date.UTC(2024, 2, 15, 12))).toBe(1); // Friday 20:00 local
    expect(p(Date.UTC(2024, 2, 15, 17))).toBe(0.5); // Saturday 01:00 local, still Friday in UTC
    expect(p(Date.UTC(2024, 2, 17, 15))).toBe(0.5); // Sunday 23:00 local
    expect(p(Date.UTC(2024, 2, 17, 16))).toBe(1); // Monday 00:00 local
  });
});

describe('time-zone arithmetic', () => {
  it('knows the offset and local parts, across a DST change', () => {
    expect(zoneOffsetMs('Asia/Shanghai', Date.UTC(2024, 0, 1))).toBe(8 * 3_600_000);
    // Europe/Stockholm springs forward at 01:00 UTC on 2024-03-31.
    expect(zoneOffsetMs('Europe/Stockholm', Date.UTC(2024, 2, 31, 0, 59))).toBe(3_600_000);
    expect(zoneOffsetMs('Europe/Stockholm', Date.UTC(2024, 2, 31, 1, 0))).toBe(7_200_000);
    expect(zonedParts('Europe/Stockholm', Date.UTC(2024, 2, 31, 1, 30))).toMatchObject({ year: 2024, month: 3, day: 31, hour: 3, minute: 30, weekday: 0 });
    expect(localHourOfDay('Asia/Shanghai', Date.UTC(2024, 2, 12, 2, 30))).toBe(10.5);
  });

  it('turns local wall time into instants, DST included', () => {
    expect(zonedTimeToEpoch('Europe/Stockholm', 2024, 3, 30, 9 * 60)).toBe(Date.UTC(2024, 2, 30, 8));
    expect(zonedTimeToEpoch('Europe/Stockholm', 2024, 3, 31, 9 * 60)).toBe(Date.UTC(2024, 2, 31, 7));
    expect(zonedTimeToEpoch('Asia/Shanghai', 2024, 3, 12, 24 * 60)).toBe(Date.UTC(2024, 2, 12, 16));
  });

  it('finds shift occurrences in local time, overnight and across DST', () => {
    const day = { startHour: 8, endHour: 17, days: [0, 1, 2, 3, 4, 5, 6] };
    // The DST night is an hour shorter, so the overnight shift is 8 h instead of 9 h.
    const night = { startHour: 22, endHour: 7, days: [0, 1, 2, 3, 4, 5, 6] };
    expect(nextShift(day, 'Europe/Stockholm', Date.UTC(2024, 2, 31, 5))).toEqual({ start: Date.UTC(2024, 2, 31, 6), end: Date.UTC(2024, 2, 31, 15) });
    const n = nextShift(night, 'Europe/Stockholm', Date.UTC(2024, 2, 31, 0));
    expect(n).toEqual({ start: Date.UTC(2024, 2, 30, 21), end: Date.UTC(2024, 2, 31, 5) });
    const weekdays = { startHour: 8, endHour: 17, days: [1, 2, 3, 4, 5] };
    // Saturday morning: the next weekday shift is on Monday.
    expect(nextShift(weekdays, 'Asia/Shanghai', Date.UTC(2024, 2, 16, 0))?.start).toBe(Date.UTC(2024, 2, 18, 0));
  });
});
