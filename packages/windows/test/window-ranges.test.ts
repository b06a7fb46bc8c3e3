import { describe, expect, it } from 'vitest';
import { dayBounds, intervalStartLocal, monthOf, resolveWindow } from '../src/index.js';

const H = 3600_000;

describe('window ranges', () => {
  it('"today" in America/New_York spans 23 h on 2026-03-08 and 25 h on 2026-11-01', () => {
    const ny = { timeZone: 'America/New_York', dayStartHour: 0 };
    const spring = dayBounds(Date.parse('2026-03-08T20:00:00Z'), ny);
    expect(new Date(spring.from).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect((spring.to - spring.from) / H).toBe(23);
    const fall = dayBounds(Date.parse('2026-11-01T20:00:00Z'), ny);
    expect(new Date(fall.from).toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect((fall.to - fall.from) / H).toBe(25);
    const plain = dayBounds(Date.parse('2026-11-02T20:00:00Z'), ny);
    expect((plain.to - plain.from) / H).toBe(24);
  });

  it('"today" at 23:59 local on the short day covers 23 h less a minute', () => {
    const at = Date.parse('2026-03-09T03:59:00Z'); // 23:59 EDT on 2026-03-08
    const w = resolveWindow('today', at, { timeZone: 'America/New_York', dayStartHour: 0 });
    expect(new Date(w.from).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(w.to - w.from).toBe(23 * H - 60_000);
  });

  it('honours a day-start hour: before it, "today" is still the previous business day', () => {
    const clock = { timeZone: 'Asia/Shanghai', dayStartHour: 6 };
    const early = dayBounds(Date.parse('2026-05-10T21:00:00Z'), clock); // 05:00 local on the 11th
    expect(new Date(early.from).toISOString()).toBe('2026-05-09T22:00:00.000Z'); // 06:00 local on the 10th
    const later = dayBounds(Date.parse('2026-05-10T23:00:00Z'), clock); // 07:00 local on the 11th
    expect(new Date(later.from).toISOString()).toBe('2026-05-10T22:00:00.000Z');
  });

  it('aligns 30-minute intervals to the tenant clock, also at a +05:45 offset', () => {
    const at = Date.parse('2026-05-10T10:20:00Z'); // 16:05 in Kathmandu (+05:45)
    expect(new Date(intervalStartLocal(at, 30, 'Asia/Kathmandu')).toISOString()).toBe('2026-05-10T10:15:00.000Z'); // 16:00 local
    expect(new Date(intervalStartLocal(at, 30, 'UTC')).toISOString()).toBe('2026-05-10T10:00:00.000Z');
    expect(new Date(intervalStartLocal(at, 15, 'UTC')).toISOString()).toBe('2026-05-10T10:15:00.000Z');
  });

  it('ends rolling windows at "now" rounded up to a 10 s boundary', () => {
    const clock = { timeZone: 'UTC', dayStartHour: 0 };
    const at = Date.parse('2026-05-10T10:20:03.500Z');
    const w = resolveWindow('rolling-5m', at, clock);
    expect(new Date(w.to).toISOString()).toBe('2026-05-10T10:20:10.000Z');
    expect(w.to - w.from).toBe(5 * 60_000);
    expect(resolveWindow('rolling-60m', Date.parse('2026-05-10T10:20:00Z'), clock)).toEqual({ from: Date.parse('2026-05-10T09:20:00Z'), to: Date.parse('2026-05-10T10:20:00Z') });
  });

  it('monthOf is the calendar month in the tenant zone, whatever the day start hour', () => {
    // 2026-05-31T16:30Z is already 1 June in Shanghai (UTC+8), still 31 May in UTC and New York.
    const at = Date.parse('2026-05-31T16:30:00Z');
    expect(monthOf({ timeZone: 'Asia/Shanghai' }, at)).toBe('2026-06');
    expect(monthOf({ timeZone: 'UTC' }, at)).toBe('2026-05');
    expect(monthOf({ timeZone: 'America/New_York' }, Date.parse('2027-01-01T04:59:59Z'))).toBe('2026-12');
    expect(monthOf({ timeZone: 'America/New_York' }, Date.parse('2027-01-01T05:00:00Z'))).toBe('2027-01');
  });
});
