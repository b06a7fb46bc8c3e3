import { localHourOfDay, zonedParts } from './time-zone.js';

/** The shapes of arrival curves the simulator knows. */
export const PROFILE_KINDS = ['telecom', 'flat'] as const;
export type ProfileKind = (typeof PROFILE_KINDS)[number];

/** Night-time arrivals as a fraction of the peak rate. */
export const TELECOM_NIGHT_FLOOR = 0.05;

interface Bump {
  hour: number;
  sigma: number;
  weight: number;
}

/**
 * A consumer telecom day: the morning peak around 10:00 is the highest, the afternoon one around
 * 15:00 a little lower, the evening after work smaller again. Chinese service-quality reports
 * measure exactly these two peaks.
 */
const BUMPS: readonly Bump[] = [
  { hour: 10, sigma: 1.6, weight: 1 },
  { hour: 15, sigma: 1.7, weight: 0.9 },
  { hour: 19.5, sigma: 1.8, weight: 0.35 },
];
/** The lunch dip is multiplicative so the curve never goes negative. */
const LUNCH = { hour: 12.5, sigma: 0.6, depth: 0.3 };

function gaussian(h: number, centre: number, sigma: number): number {
  // Images one day either side make the curve periodic, so 23:59 and 00:00 join smoothly.
  let sum = 0;
  for (const shift of [-24, 0, 24]) {
    const d = (h - centre - shift) / sigma;
    sum += Math.exp(-0.5 * d * d);
  }
  return sum;
}

function rawTelecom(hour: number): number {
  let bumps = 0;
  for (const b of BUMPS) bumps += b.weight * gaussian(hour, b.hour, b.sigma);
  return bumps * (1 - LUNCH.depth * gaussian(hour, LUNCH.hour, LUNCH.sigma));
}

/** The maximum of the raw curve, found once on a fine grid so the scaled curve peaks at exactly 1. */
const RAW_PEAK = (() => {
  let max = 0;
  for (let i = 0; i <= 24 * 600; i += 1) max = Math.max(max, rawTelecom(i / 600));
  return max;
})();

/**
 * The telecom day curve at a local hour in [0, 24): a smooth multiplier in
 * [{@link TELECOM_NIGHT_FLOOR}, 1], reaching 1 near 10:00.
 */
export function telecomDayCurve(localHour: number): number {
  // Clamp guards the grid maximum being a hair below the true one.
  return Math.min(1, TELECOM_NIGHT_FLOOR + (1 - TELECOM_NIGHT_FLOOR) * (rawTelecom(localHour) / RAW_PEAK));
}

/** How a tenant's arrivals vary over the day. */
export interface ArrivalProfileOptions {
  kind: ProfileKind;
  /** IANA zone whose wall clock the curve follows. */
  timeZone: string;
  /** Multiplier on local Saturdays and Sundays, in [0, 1]; 1 means no weekend effect. */
  weekendFactor?: number;
}

/** A multiplier in [0, 1] of a queue's peak arrival rate at an instant. */
export type ArrivalProfile = (epochMs: number) => number;

/**
 * Builds the arrival-rate multiplier of a tenant. It never exceeds 1, so a queue's
 * `baseCallsPerHour` is its peak rate and is also the bound that thinning draws candidates at.
 */
export function createArrivalProfile(options: ArrivalProfileOptions): ArrivalProfile {
  const weekendFactor = options.weekendFactor ?? 1;
  const { timeZone } = options;
  const weekend = (epochMs: number): number => {
    if (weekendFactor === 1) return 1;
    const { weekday } = zonedParts(timeZone, epochMs);
    return weekday === 0 || weekday === 6 ? weekendFactor : 1;
  };
  if (options.kind === 'flat') return (epochMs) => weekend(epochMs);
  return (epochMs) => telecomDayCurve(localHourOfDay(timeZone, epochMs)) * weekend(epochMs);
}
