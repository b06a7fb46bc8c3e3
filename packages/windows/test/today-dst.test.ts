import { describe, expect, it } from 'vitest';
import { dayBounds, resolveWindow } from '../src/index.js';

/**
 * "Today" on every DST day of 2026–2028, in every zone Intl knows (the queue-config schema accepts any
 * of them), for every `dayStartHour` (issue 8, item 6). The expected day starts come from an
 * independent computation: each zone's offset history is read from Intl's `longOffset` zone name
 * (not the date fields the code reads), its changes are found by scanning and bisecting, and a day
 * start is the first instant whose wall clock reaches `dayStartHour`:00 of that local date, solved
 * segment by segment of constant offset. No helper of the code under test is called to get them.
 */

const H = 3_600_000;
const DAY = 24 * H;
const SCAN_FROM = Date.UTC(2025, 11, 20);
const SCAN_TO = Date.UTC(2029, 0, 10);
const YEARS_FROM = Date.UTC(2026, 0, 1);
const YEARS_TO = Date.UTC(2029, 0, 1);
/** Offsets are probed daily, then each change is bisected to the millisecond: no zone changes twice in a day. */
const SCAN_STEP = DAY;

interface Transition {
  at: number;
  before: number;
  after: number;
}
interface Segment {
  from: number;
  to: number;
  offset: number;
}
interface Ymd {
  y: number;
  m: number;
  d: number;
}

function offsetReader(timeZone: string): (t: number) => number {
  const fmt = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  return (t) => {
    const match = /GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(fmt.format(new Date(t)));
    if (!match) throw new Error(`cannot read the offset of ${timeZone} at ${new Date(t).toISOString()}`);
    if (!match[1]) return 0;
    const sign = match[1] === '-' ? -1 : 1;
    return sign * (Number(match[2]) * H + Number(match[3]) * 60_000 + Number(match[4] ?? 0) * 1000);
  };
}

function transitionsOf(offsetAt: (t: number) => number): Transition[] {
  const found: Transition[] = [];
  let prev = offsetAt(SCAN_FROM);
  for (let t = SCAN_FROM + SCAN_STEP; t <= SCAN_TO; t += SCAN_STEP) {
    const cur = offsetAt(t);
    if (cur === prev) continue;
    let lo = t - SCAN_STEP; // offset `prev`
    let hi = t; // offset `cur`
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(mid) === prev) lo = mid;
      else hi = mid;
    }
    found.push({ at: hi, before: prev, after: cur });
    prev = cur;
  }
  return found;
}

function segmentsOf(offsetAt: (t: number) => number, transitions: Transition[]): Segment[] {
  const segments: Segment[] = [];
  let from = -Infinity;
  let offset = offsetAt(SCAN_FROM);
  for (const tr of transitions) {
    segments.push({ from, to: tr.at, offset });
    from = tr.at;
    offset = tr.after;
  }
  segments.push({ from, to: Infinity, offset });
  return segments;
}

/** The first instant at which the local clock reads `hour`:00 of `date` or later. */
function expectedDayStart(segments: Segment[], date: Ymd, hour: number): number {
  const wall = Date.UTC(date.y, date.m - 1, date.d, hour);
  for (const s of segments) {
    const t = Math.max(s.from, wall - s.offset);
    if (t < s.to) return t;
  }
  throw new Error('no day start found');
}

function ymdOf(t: number): Ymd {
  const d = new Date(t);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate() };
}

function addDays(date: Ymd, days: number): Ymd {
  return ymdOf(Date.UTC(date.y, date.m - 1, date.d + days));
}

const iso = (t: number): string => new Date(t).toISOString();

interface Failure {
  timeZone: string;
  dayStartHour: number;
  at: string;
  got: string;
  want: string;
}

function sweepZone(timeZone: string, failures: Failure[]): { transitions: number; checks: number } {
  const offsetAt = offsetReader(timeZone);
  const all = transitionsOf(offsetAt);
  const segments = segmentsOf(offsetAt, all);
  const inYears = all.filter((tr) => tr.at >= YEARS_FROM && tr.at < YEARS_TO);
  // The local date of each change; a zone without one gets an ordinary day (its days are all alike).
  const anchors = inYears.length > 0 ? inYears.map((tr) => ymdOf(tr.at + tr.before)) : [{ y: 2027, m: 7, d: 15 }];
  const largestChange = Math.max(0, ...all.map((tr) => Math.abs(tr.after - tr.before)));
  let checks = 0;
  for (let hour = 0; hour < 24; hour += 1) {
    const clock = { timeZone, dayStartHour: hour };
    for (const anchor of anchors) {
      const dates = [-2, -1, 0, 1, 2, 3].map((k) => addDays(anchor, k));
      const starts = dates.map((date) => expectedDayStart(segments, date, hour));
      const probes = new Set<number>();
      for (const s of starts.slice(1, 5)) for (const dt of [-H, -1, 0, 1, H]) probes.add(s + dt);
      for (const tr of inYears) if (tr.at > starts[0]! && tr.at < starts[5]! - 1) for (const dt of [-1, 0, 1]) probes.add(tr.at + dt);
      for (const at of probes) {
        const k = starts.findIndex((s, i) => i < 5 && s <= at && at < starts[i + 1]!);
        if (k < 0) continue; // outside the days solved here
        checks += 1;
        const want = { from: starts[k]!, to: starts[k + 1]! };
        const got = dayBounds(at, clock);
        const windowFrom = resolveWindow('today', at, clock).from;
        if (got.from !== want.from || got.to !== want.to || windowFrom !== want.from) {
          failures.push({ timeZone, dayStartHour: hour, at: iso(at), got: `[${iso(got.from)}, ${iso(got.to)}) window from ${iso(windowFrom)}`, want: `[${iso(want.from)}, ${iso(want.to)})` });
          continue;
        }
        // Invariants, checked on the answer itself. Days tile because the probes 1 ms either side of
        // each start get consecutive expected days.
        const length = got.to - got.from;
        const businessDate = dates[k]!;
        const fromWall = ymdOf(got.from + offsetAt(got.from));
        const startsAtChange = all.some((tr) => tr.at === got.from);
        const problems = [
          !(got.from <= at && at < got.to) && 'at outside [from, to)',
          (Math.abs(length - DAY) > largestChange || (length !== DAY && !all.some((tr) => tr.at >= got.from && tr.at <= got.to))) && `length ${length / H} h`,
          !startsAtChange && (fromWall.y !== businessDate.y || fromWall.m !== businessDate.m || fromWall.d !== businessDate.d) && 'local date of from is not the business date',
        ].filter(Boolean);
        if (problems.length > 0) failures.push({ timeZone, dayStartHour: hour, at: iso(at), got: problems.join('; '), want: `[${iso(want.from)}, ${iso(want.to)})` });
      }
    }
  }
  return { transitions: inYears.length, checks };
}

describe('"today" on every DST day of 2026–2028 in every IANA zone, for every day-start hour', () => {
  it('starts the day after a spring-forward at dayStartHour local (America/New_York, 06:00, at 00:30 local)', () => {
    const at = Date.parse('2026-03-09T04:30:00Z');
    const clock = { timeZone: 'America/New_York', dayStartHour: 6 };
    expect(dayBounds(at, clock)).toEqual({ from: Date.parse('2026-03-08T10:00:00Z'), to: Date.parse('2026-03-09T10:00:00Z') });
    expect(resolveWindow('today', at, clock)).toEqual({ from: Date.parse('2026-03-08T10:00:00Z'), to: at });
  });

  it('maps a day start in a gap to the end of the gap and one in an overlap to its first occurrence', () => {
    // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00Z; 2026-11-01: 02:00 EDT falls back to 01:00 EST at 06:00Z.
    expect(dayBounds(Date.parse('2026-03-08T12:00:00Z'), { timeZone: 'America/New_York', dayStartHour: 2 })).toEqual({ from: Date.parse('2026-03-08T07:00:00Z'), to: Date.parse('2026-03-09T06:00:00Z') });
    expect(dayBounds(Date.parse('2026-11-01T12:00:00Z'), { timeZone: 'America/New_York', dayStartHour: 1 })).toEqual({ from: Date.parse('2026-11-01T05:00:00Z'), to: Date.parse('2026-11-02T06:00:00Z') });
    // Lord Howe changes by 30 minutes: 02:00 +10:30 becomes 02:30 +11:00 on 2026-10-04.
    const lh = dayBounds(Date.parse('2026-10-04T06:00:00Z'), { timeZone: 'Australia/Lord_Howe', dayStartHour: 2 });
    expect(lh).toEqual({ from: Date.parse('2026-10-03T15:30:00Z'), to: Date.parse('2026-10-04T15:00:00Z') });
  });

  it('agrees with the independent computation at every day start (±1 ms, ±1 h) and every change (±1 ms)', () => {
    const zones = Intl.supportedValuesOf('timeZone');
    const failures: Failure[] = [];
    let transitions = 0;
    let checks = 0;
    for (const zone of zones) {
      const r = sweepZone(zone, failures);
      transitions += r.transitions;
      checks += r.checks;
    }
    // The sweep must really cover DST: New York alone changes twice a year.
    expect(zones.length).toBeGreaterThan(300);
    expect(transitions).toBeGreaterThan(300);
    expect(checks).toBeGreaterThan(100_000);
    expect(failures.slice(0, 10), `${failures.length} of ${checks} checks failed, in ${new Set(failures.map((f) => f.timeZone)).size} zones`).toEqual([]);
  });
});
