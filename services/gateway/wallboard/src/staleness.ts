/** When the data-age indicator turns amber and red, in seconds (docs/wallboard.md "Staleness"). */
export interface StaleThresholds {
  amberS: number;
  redS: number;
}

export const DEFAULT_STALE: StaleThresholds = { amberS: 10, redS: 30 };

export type AgeLevel = 'ok' | 'amber' | 'red';

/**
 * `?staleAmber=` and `?staleRed=` (seconds, > 0) override the defaults, e.g. for a room whose data
 * should never be more than 5 s old, or for a test; red is never below amber. Bad values are ignored.
 */
export function staleThresholds(params: URLSearchParams): StaleThresholds {
  const read = (name: string, fallback: number) => {
    const raw = params.get(name);
    const value = raw === null || raw.trim() === '' ? Number.NaN : Number(raw);
    return Number.isFinite(value) && value > 0 ? value : fallback;
  };
  const amberS = read('staleAmber', DEFAULT_STALE.amberS);
  return { amberS, redS: Math.max(amberS, read('staleRed', Math.max(amberS, DEFAULT_STALE.redS))) };
}

/** The colour of a data age: green up to `amberS`, amber over it, red over `redS`; no data yet is amber. */
export function ageLevel(ageS: number | undefined, t: StaleThresholds): AgeLevel {
  if (ageS === undefined) return 'amber';
  return ageS > t.redS ? 'red' : ageS > t.amberS ? 'amber' : 'ok';
}
