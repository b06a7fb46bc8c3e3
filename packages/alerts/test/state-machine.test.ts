import { describe, expect, it } from 'vitest';
import { type AlertState, evaluate, fingerprint, isNotifiable, type Rule, type Sample, sampleRule, type TransitionKind } from '../src/index.js';
import { makeRule, makeView, windowKpi } from './helpers/fixtures.js';

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);

function sample(value: number | null, volume = 100, slTarget = 0.8): Sample {
  return { tenantId: 'acme', queueId: 'sales', value, volume, slTarget };
}

/** Feeds `(value, at)` pairs through `evaluate` and records every transition. */
function run(rule: Rule, steps: readonly [value: number | null, at: number, volume?: number][], start?: AlertState) {
  let state = start;
  const kinds: TransitionKind[] = [];
  const states: string[] = [];
  for (const [value, at, volume] of steps) {
    const result = evaluate(state, rule, sample(value, volume ?? 100), at);
    state = result.state;
    if (result.transition) kinds.push(result.transition.kind);
    states.push(state.state);
  }
  return { state: state as AlertState, kinds, states };
}

describe('evaluate: forMs', () => {
  const rule = makeRule({ forMs: 60_000 });

  it('keeps a breach pending until it has lasted forMs, then fires once with a new episode', () => {
    const first = evaluate(undefined, rule, sample(0.7), T0);
    expect(first.state).toMatchObject({ state: 'pending', since: T0, episode: 0, fingerprint: fingerprint('r1', 'acme', 'sales') });
    expect(first.transition).toEqual({ from: 'normal', to: 'pending', kind: 'pending' });

    const early = evaluate(first.state, rule, sample(0.7), T0 + 59_999);
    expect(early.state.state).toBe('pending');
    expect(early.transition).toBeUndefined();

    const fired = evaluate(early.state, rule, sample(0.7), T0 + 60_000);
    expect(fired.state).toMatchObject({ state: 'firing', since: T0 + 60_000, episode: 1, firedAt: T0 + 60_000 });
    expect(fired.transition).toEqual({ from: 'pending', to: 'firing', kind: 'fire' });
    expect(isNotifiable(fired.transition)).toBe(true);
  });

  it('drops back to normal when the breach stops before forMs, and restarts the clock on the next breach', () => {
    const { kinds, states } = run(rule, [
      [0.7, T0],
      [0.9, T0 + 30_000],
      [0.7, T0 + 40_000],
      [0.7, T0 + 60_000],
      [0.7, T0 + 99_999],
      [0.7, T0 + 100_000],
    ]);
    expect(states).toEqual(['pending', 'normal', 'pending', 'pending', 'pending', 'firing']);
    expect(kinds).toEqual(['pending', 'normal', 'pending', 'fire']);
  });

  it('advances on wall-clock ticks that re-evaluate the last known sample', () => {
    const last = sample(0.5);
    let state = evaluate(undefined, rule, last, T0).state;
    for (let at = T0 + 10_000; at < T0 + 60_000; at += 10_000) state = evaluate(state, rule, last, at).state;
    expect(state.state).toBe('pending');
    expect(evaluate(state, rule, last, T0 + 60_000).transition?.kind).toBe('fire');
  });

  it('fires on the first breach when forMs is 0', () => {
    const r = evaluate(undefined, makeRule({ forMs: 0 }), sample(0.7), T0);
    expect(r.transition).toEqual({ from: 'normal', to: 'firing', kind: 'fire' });
    expect(r.state.episode).toBe(1);
  });
});

describe('evaluate: hysteresis', () => {
  // SL < 0.80 fires, SL >= 0.85 clears; 0.80..0.85 is the band.
  const oscillating: [number, number][] = [0.79, 0.82, 0.79, 0.83, 0.78, 0.84, 0.79, 0.81].map((v, i) => [v, T0 + i * 10_000]);

  it('a metric oscillating between fire and clear thresholds fires once and resolves once per episode', () => {
    const rule = makeRule({ fire: 0.8, clear: 0.85 });
    const episode1 = run(rule, [...oscillating, [0.86, T0 + 100_000], [0.9, T0 + 110_000]]);
    expect(episode1.kinds).toEqual(['fire', 'resolve', 'normal']);
    expect(episode1.state).toMatchObject({ state: 'normal', episode: 1 });

    const episode2 = run(rule, [...oscillating.map(([v, at]): [number, number] => [v, at + 200_000]), [0.85, T0 + 400_000]], episode1.state);
    expect(episode2.kinds).toEqual(['fire', 'resolve']);
    expect(episode2.state).toMatchObject({ state: 'resolved', episode: 2, resolvedAt: T0 + 400_000 });
  });

  it('without a band the same oscillation fires on every dip (why clear exists)', () => {
    const rule = makeRule({ fire: 0.8, clear: 0.8 });
    expect(run(rule, oscillating).kinds.filter((k) => k === 'fire')).toHaveLength(4);
  });

  it('for > rules clears at or below the clear threshold', () => {
    const rule = makeRule({ metric: 'abandonRate', comparator: '>', fire: 0.1, clear: 0.08 });
    expect(run(rule, [[0.12, T0], [0.09, T0 + 1], [0.11, T0 + 2], [0.08, T0 + 3]]).kinds).toEqual(['fire', 'resolve']);
  });

  it('resolves ofTarget thresholds against the queue target, clamped to the metric range', () => {
    const rule = makeRule({ fire: { ofTarget: 1 }, clear: { ofTarget: 1.02 } });
    expect(evaluate(undefined, rule, sample(0.85, 100, 0.9), T0).transition?.kind).toBe('fire');
    expect(evaluate(undefined, rule, sample(0.85, 100, 0.8), T0).transition).toBeUndefined();
    // 1.02 × 100 % would be unreachable; clamped to 1 the alert can still clear.
    const fired = evaluate(undefined, rule, sample(0.99, 100, 1), T0).state;
    expect(evaluate(fired, rule, sample(1, 100, 1), T0 + 1).transition?.kind).toBe('resolve');
  });
});

describe('evaluate: keepFiringForMs', () => {
  const rule = makeRule({ keepFiringForMs: 120_000 });

  it('holds a cleared alert in recovering for keepFiringForMs; a relapse refires without a new episode', () => {
    const fired = evaluate(undefined, rule, sample(0.7), T0).state;
    const r1 = evaluate(fired, rule, sample(0.9), T0 + 10_000);
    expect(r1.transition).toEqual({ from: 'firing', to: 'recovering', kind: 'recovering' });
    expect(r1.state.since).toBe(T0 + 10_000);

    const r2 = evaluate(r1.state, rule, sample(0.9), T0 + 70_000);
    expect(r2.state.state).toBe('recovering');

    const relapse = evaluate(r2.state, rule, sample(0.7), T0 + 100_000);
    expect(relapse.transition).toEqual({ from: 'recovering', to: 'firing', kind: 'refire' });
    expect(isNotifiable(relapse.transition)).toBe(false);
    expect(relapse.state).toMatchObject({ episode: 1, firedAt: T0 });

    const r3 = evaluate(relapse.state, rule, sample(0.9), T0 + 110_000);
    expect(evaluate(r3.state, rule, sample(0.9), T0 + 229_999).state.state).toBe('recovering');
    const resolved = evaluate(r3.state, rule, sample(0.9), T0 + 230_000);
    expect(resolved.transition).toEqual({ from: 'recovering', to: 'resolved', kind: 'resolve' });
    expect(resolved.state).toMatchObject({ resolvedAt: T0 + 230_000, episode: 1 });
    expect(isNotifiable(resolved.transition)).toBe(true);

    const after = evaluate(resolved.state, rule, sample(0.9), T0 + 240_000);
    expect(after.transition).toEqual({ from: 'resolved', to: 'normal', kind: 'normal' });
  });

  it('does not resolve from the hysteresis band', () => {
    const fired = evaluate(undefined, rule, sample(0.7), T0).state;
    const recovering = evaluate(fired, rule, sample(0.9), T0 + 1).state;
    expect(evaluate(recovering, rule, sample(0.82), T0 + 500_000).state.state).toBe('recovering');
  });
});

describe('evaluate: minVolume and nodata', () => {
  const rule = makeRule({ metric: 'abandonRate', comparator: '>', fire: 0.1, clear: 0.08, minVolume: 20, keepFiringForMs: 60_000 });

  it('gives nodata, never a fire, on a window with too little volume', () => {
    // 1 call, abandoned: a 100 % abandon rate on one call.
    const quiet = makeView({ windows: [windowKpi('rolling-15m', { abandoned: 1, offered: 1 })] });
    const s = sampleRule(quiet, rule);
    expect(s).toMatchObject({ value: 1, volume: 1 });
    const { kinds, states } = run(rule, Array.from({ length: 10 }, (_, i): [number, number, number] => [1, T0 + i * 60_000, 1]));
    expect(kinds).toEqual(['nodata']);
    expect(new Set(states)).toEqual(new Set(['nodata']));

    const busy = sampleRule(makeView({ windows: [windowKpi('rolling-15m', { answered: 20, abandoned: 5, offered: 25 })] }), rule);
    expect(busy).toMatchObject({ value: 0.2, volume: 25 });
    expect(evaluate(evaluate(undefined, rule, { ...busy, volume: 1 }, T0).state, rule, busy, T0 + 1).transition?.kind).toBe('fire');
  });

  it('treats a null value as nodata', () => {
    expect(evaluate(undefined, rule, sample(null), T0).state.state).toBe('nodata');
  });

  it('resolves a firing alert whose queue went quiet after keepFiringForMs', () => {
    const { kinds, state } = run(rule, [
      [0.3, T0],
      [null, T0 + 10_000, 0],
      [null, T0 + 69_999, 0],
      [null, T0 + 70_000, 0],
      [null, T0 + 80_000, 0],
    ]);
    expect(kinds).toEqual(['fire', 'recovering', 'resolve', 'nodata']);
    expect(state.state).toBe('nodata');
  });
});
