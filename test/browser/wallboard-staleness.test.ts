import { describe, expect, it } from 'vitest';
import { ageLevel, DEFAULT_STALE, staleThresholds } from '../../services/gateway/wallboard/src/staleness.js';

describe('the data-age colours (docs/wallboard.md "Staleness")', () => {
  it('reads ?staleAmber= and ?staleRed=, ignores bad values, and never puts red below amber', () => {
    expect(staleThresholds(new URLSearchParams(''))).toEqual(DEFAULT_STALE);
    expect(staleThresholds(new URLSearchParams('staleAmber=3&staleRed=6'))).toEqual({ amberS: 3, redS: 6 });
    expect(staleThresholds(new URLSearchParams('staleAmber=-1&staleRed=abc'))).toEqual(DEFAULT_STALE);
    expect(staleThresholds(new URLSearchParams('staleAmber=40'))).toEqual({ amberS: 40, redS: 40 });
    expect(staleThresholds(new URLSearchParams('staleAmber=20&staleRed=5'))).toEqual({ amberS: 20, redS: 20 });
  });

  it('colours by age alone: green up to amber, amber over it, red over red, amber without data', () => {
    const t = { amberS: 3, redS: 6 };
    expect([0, 3, 4, 6, 7].map((s) => ageLevel(s, t))).toEqual(['ok', 'ok', 'amber', 'amber', 'red']);
    expect(ageLevel(undefined, t)).toBe('amber');
  });
});
