import { isCallboardError } from '@callboard/errors';
import { describe, expect, it } from 'vitest';
import {
  asaSeconds,
  erlangReport,
  erlangs,
  occupancy,
  probabilityOfWaiting,
  requiredAgents,
  serviceLevel,
} from '../src/index.js';

/** Asserts |actual − expected| <= tolerance (the brief's ±0.001 on reference values). */
function near(actual: number, expected: number, tolerance = 0.001): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

function expectUsage(fn: () => unknown): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isCallboardError(caught, 'CB_USAGE')).toBe(true);
}

/**
 * An independent Erlang C for cross-checking: the textbook sums, done in log
 * space with log-sum-exp so they do not overflow. Slower and different enough
 * from the implementation's Erlang B recursion to catch a slip in either.
 */
function erlangCLogSpace(n: number, a: number): number {
  const logTerms: number[] = [];
  let logFactorial = 0;
  for (let k = 0; k < n; k += 1) {
    if (k > 0) logFactorial += Math.log(k);
    logTerms.push(k * Math.log(a) - logFactorial);
  }
  const logTop = n * Math.log(a) - (logFactorial + Math.log(n)) + Math.log(n / (n - a));
  const all = [...logTerms, logTop];
  const max = Math.max(...all);
  const logSum = max + Math.log(all.reduce((s, x) => s + Math.exp(x - max), 0));
  return Math.exp(logTop - logSum);
}

describe('Erlang C: the 100 calls / 30 min, AHT 180 s, 20 s reference', () => {
  const a = erlangs(100, 1800, 180);

  it('is 10 erlangs', () => {
    expect(a).toBe(10);
  });

  it('with 14 agents: Pw 0.174, SL 0.888, occupancy 0.714, ASA 7.84 s', () => {
    near(probabilityOfWaiting(14, a), 0.174);
    near(serviceLevel(14, a, 180, 20), 0.888);
    near(occupancy(14, a), 0.714);
    // ASA = Pw·AHT/(N − A) = 0.17413 × 180 / 4
    near(asaSeconds(14, a, 180), 7.836, 0.01);
  });

  it('with 15 agents: SL 0.941; with 13: SL 0.796; with 12: 0.640', () => {
    near(serviceLevel(15, a, 180, 20), 0.941);
    near(serviceLevel(13, a, 180, 20), 0.796);
    near(serviceLevel(12, a, 180, 20), 0.64);
    near(probabilityOfWaiting(13, a), 0.285);
  });

  it('requires 14 agents for 80/20 (13 gives 79.6 %) and 13 for 79/20', () => {
    expect(requiredAgents(a, 180, 20, 0.8)).toBe(14);
    expect(requiredAgents(a, 180, 20, 0.79)).toBe(13);
    expect(requiredAgents(a, 180, 20, 0.9)).toBe(15);
    // Smallest N > A even for a target of 0.
    expect(requiredAgents(a, 180, 20, 0)).toBe(11);
  });

  it('agrees with the log-space textbook formula', () => {
    for (const n of [11, 12, 13, 14, 15, 20, 30]) {
      near(probabilityOfWaiting(n, a), erlangCLogSpace(n, a), 1e-12);
    }
  });

  it('erlangReport bundles the same figures', () => {
    const report = erlangReport({ calls: 100, intervalSeconds: 1800, ahtSeconds: 180, agents: 14, targetSeconds: 20, targetSl: 0.8 });
    expect(report.erlangs).toBe(10);
    expect(report.agents).toBe(14);
    expect(report.probabilityOfWaiting).toBe(probabilityOfWaiting(14, 10));
    expect(report.serviceLevel).toBe(serviceLevel(14, 10, 180, 20));
    expect(report.asaSeconds).toBe(asaSeconds(14, 10, 180));
    expect(report.occupancy).toBe(10 / 14);
    expect(report.requiredAgents).toBe(14);
    const noTarget = erlangReport({ calls: 100, intervalSeconds: 1800, ahtSeconds: 180, agents: 14, targetSeconds: 20 });
    expect('requiredAgents' in noTarget).toBe(false);
  });
});

describe('Erlang C: large centres', () => {
  it('stays finite and sane with 500 agents (5000 calls / 30 min, AHT 170 s)', () => {
    const a = erlangs(5000, 1800, 170);
    near(a, 472.222);
    const pw = probabilityOfWaiting(500, a);
    const sl = serviceLevel(500, a, 170, 20);
    expect(Number.isFinite(pw) && pw >= 0 && pw <= 1).toBe(true);
    expect(Number.isFinite(sl) && sl >= 0 && sl <= 1).toBe(true);
    near(pw, erlangCLogSpace(500, a), 1e-9);
    expect(sl).toBeGreaterThan(0.95); // 28 agents of headroom
    const asa = asaSeconds(500, a, 170);
    expect(Number.isFinite(asa) && asa >= 0).toBe(true);
    const needed = requiredAgents(a, 170, 20, 0.8);
    // Smallest N with SL >= 0.8: 482 (computed with the same recursion, checked against the log-space formula below).
    expect(needed).toBe(482);
    expect(serviceLevel(482, a, 170, 20)).toBeGreaterThanOrEqual(0.8);
    expect(serviceLevel(481, a, 170, 20)).toBeLessThan(0.8);
    near(1 - erlangCLogSpace(482, a) * Math.exp((-(482 - a) * 20) / 170), serviceLevel(482, a, 170, 20), 1e-9);
  });

  it('handles thousands of agents without overflow', () => {
    const a = 2500;
    for (const n of [2501, 2550, 2600, 3000]) {
      const pw = probabilityOfWaiting(n, a);
      expect(pw).toBeGreaterThan(0);
      expect(pw).toBeLessThanOrEqual(1);
      near(pw, erlangCLogSpace(n, a), 1e-9);
    }
    const needed = requiredAgents(a, 300, 20, 0.9) as number;
    expect(needed).toBeGreaterThan(2500);
    expect(needed).toBeLessThan(2700);
  });

  it('returns null when even maxAgents does not meet the target', () => {
    expect(requiredAgents(10, 180, 20, 0.8, 13)).toBeNull();
    expect(requiredAgents(10, 180, 20, 0.8, 14)).toBe(14);
  });
});

describe('Erlang C: edges', () => {
  it('no traffic: nobody waits, no agent is needed', () => {
    expect(erlangs(0, 1800, 180)).toBe(0);
    expect(probabilityOfWaiting(0, 0)).toBe(0);
    expect(probabilityOfWaiting(5, 0)).toBe(0);
    expect(serviceLevel(0, 0, 180, 20)).toBe(1);
    expect(serviceLevel(3, 0, 0, 20)).toBe(1); // an idle queue may have no AHT yet
    expect(asaSeconds(3, 0, 180)).toBe(0);
    expect(occupancy(3, 0)).toBe(0);
    expect(occupancy(0, 0)).toBe(0);
    expect(requiredAgents(0, 180, 20, 0.8)).toBe(0);
  });

  it('agents <= erlangs: everybody waits and the queue never drains', () => {
    expect(probabilityOfWaiting(10, 10)).toBe(1);
    expect(probabilityOfWaiting(9, 10)).toBe(1);
    expect(probabilityOfWaiting(0, 0.5)).toBe(1);
    expect(serviceLevel(10, 10, 180, 20)).toBe(0);
    expect(asaSeconds(10, 10, 180)).toBe(Infinity);
    expect(occupancy(5, 10)).toBe(1);
    expect(occupancy(0, 10)).toBe(1);
  });

  it('fractional traffic just under the agent count still gives a probability', () => {
    const pw = probabilityOfWaiting(10, 9.999);
    expect(pw).toBeGreaterThan(0.99);
    expect(pw).toBeLessThanOrEqual(1);
  });

  it('a target of 0 s gives SL = 1 − Pw', () => {
    near(serviceLevel(14, 10, 180, 0), 1 - probabilityOfWaiting(14, 10), 1e-15);
  });
});

describe('Erlang C: input validation', () => {
  it.each([
    ['negative calls', () => erlangs(-1, 1800, 180)],
    ['zero interval', () => erlangs(10, 0, 180)],
    ['NaN AHT', () => erlangs(10, 1800, Number.NaN)],
    ['negative AHT', () => erlangs(10, 1800, -1)],
    ['fractional agents', () => probabilityOfWaiting(1.5, 1)],
    ['negative agents', () => probabilityOfWaiting(-1, 1)],
    ['NaN erlangs', () => probabilityOfWaiting(3, Number.NaN)],
    ['infinite erlangs', () => occupancy(3, Infinity)],
    ['zero AHT with traffic', () => serviceLevel(14, 10, 0, 20)],
    ['negative target', () => serviceLevel(14, 10, 180, -1)],
    ['zero AHT for ASA', () => asaSeconds(14, 10, 0)],
    ['targetSl above 1', () => requiredAgents(10, 180, 20, 1.5)],
    ['negative targetSl', () => requiredAgents(10, 180, 20, -0.1)],
    ['fractional maxAgents', () => requiredAgents(10, 180, 20, 0.8, 10.5)],
    ['report with negative agents', () => erlangReport({ calls: 1, intervalSeconds: 60, ahtSeconds: 60, agents: -2, targetSeconds: 20 })],
  ])('rejects %s with CB_USAGE', (_name, fn) => {
    expectUsage(fn);
  });
});
