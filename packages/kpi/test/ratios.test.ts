import { describe, expect, it } from 'vitest';
import { computeRatios, DEFAULT_SL_FORMULA, emptyCounts, SL_FORMULAS, slValue, type KpiRatios } from '../src/index.js';
import { NO_WAVE2 } from './helpers/ratios.js';

const ALL_NULL: KpiRatios = {
  ...NO_WAVE2,
  sl: { negativeAbandon: null, ignoreShortAbandon: null, positiveAbandon: null, abandonAfterSlOnly: null, handledOnly: null },
  answerRate: null,
  abandonRate: null,
  asaMs: null,
  avgAbandonWaitMs: null,
  ahtMs: null,
  avgTalkMs: null,
  transferRate: null,
  fcrRate: null,
};

describe('SL_FORMULAS', () => {
  it('lists the five published names, negativeAbandon being the default', () => {
    expect(SL_FORMULAS).toEqual([
      'sl.negativeAbandon',
      'sl.ignoreShortAbandon',
      'sl.positiveAbandon',
      'sl.abandonAfterSlOnly',
      'sl.handledOnly',
    ]);
    expect(DEFAULT_SL_FORMULA).toBe('sl.negativeAbandon');
  });
});

describe('computeRatios', () => {
  it('gives null, never 0, for every ratio of an empty window', () => {
    expect(computeRatios(emptyCounts())).toEqual(ALL_NULL);
  });

  it('computes every formula of the DESIGN §3 table', () => {
    // 8 answered + 3 abandoned + 1 flowed out = 12 outcomes.
    const counts = {
      ...emptyCounts(),
      offered: 13,
      answered: 8,
      abandoned: 3,
      flowedOut: 1,
      abandonedShort: 1,
      answeredWithinSl: 6,
      abandonedWithinSl: 2,
      completed: 5,
      talkMs: 600_000,
      holdMs: 60_000,
      wrapMs: 90_000,
      transferred: 1,
      resolvedKnown: 4,
      resolved: 3,
      waitMsAnswered: 96_000,
      waitMsAbandoned: 45_000,
      maxWaitMs: 70_000,
    };
    expect(computeRatios(counts)).toEqual({
      sl: {
        negativeAbandon: 6 / 12, // answeredWithinSl / outcomes
        ignoreShortAbandon: 6 / 11, // / (outcomes − abandonedShort)
        positiveAbandon: 8 / 12, // (answeredWithinSl + abandonedWithinSl) / outcomes
        abandonAfterSlOnly: 6 / 10, // / (outcomes − abandonedWithinSl)
        handledOnly: 6 / 8, // / answered
      },
      answerRate: 8 / 12,
      abandonRate: 3 / 12,
      asaMs: 12_000, // 96 000 / 8
      avgAbandonWaitMs: 15_000, // 45 000 / 3
      ahtMs: 150_000, // (600 000 + 60 000 + 90 000) / 5
      avgTalkMs: 120_000, // 600 000 / 5
      transferRate: 0.2, // 1 / 5
      fcrRate: 0.75, // 3 / 4
      ...NO_WAVE2,
      complaintsPer10k: 0, // 0 complaints / 8 answered
    });
  });

  it('counts flow-outs in every outcomes denominator', () => {
    const counts = { ...emptyCounts(), answered: 1, answeredWithinSl: 1, flowedOut: 3, maxWaitMs: 50_000 };
    const r = computeRatios(counts);
    expect(r.sl.negativeAbandon).toBe(0.25);
    expect(r.sl.ignoreShortAbandon).toBe(0.25);
    expect(r.sl.positiveAbandon).toBe(0.25);
    expect(r.sl.abandonAfterSlOnly).toBe(0.25);
    expect(r.sl.handledOnly).toBe(1);
    expect(r.answerRate).toBe(0.25);
    expect(r.abandonRate).toBe(0);
  });

  it('gives 0, not null, when only flow-outs happened, and null for per-answer averages', () => {
    const r = computeRatios({ ...emptyCounts(), flowedOut: 2, maxWaitMs: 60_000 });
    expect(r.sl.negativeAbandon).toBe(0);
    expect(r.answerRate).toBe(0);
    expect(r.abandonRate).toBe(0);
    expect(r.sl.handledOnly).toBeNull();
    expect(r.asaMs).toBeNull();
    expect(r.avgAbandonWaitMs).toBeNull();
    expect(r.ahtMs).toBeNull();
  });

  it('ignoreShortAbandon drops short abandons from the denominator, and is null when nothing else is left', () => {
    const some = { ...emptyCounts(), answered: 2, answeredWithinSl: 1, abandoned: 2, abandonedShort: 2, abandonedWithinSl: 2 };
    expect(computeRatios(some).sl.ignoreShortAbandon).toBe(0.5); // 1 / (4 − 2)
    expect(computeRatios(some).sl.negativeAbandon).toBe(0.25); // 1 / 4
    const onlyShort = { ...emptyCounts(), abandoned: 3, abandonedShort: 3, abandonedWithinSl: 3 };
    const r = computeRatios(onlyShort);
    expect(r.sl.ignoreShortAbandon).toBeNull();
    expect(r.sl.negativeAbandon).toBe(0);
    expect(r.sl.positiveAbandon).toBe(1); // abandons within T count for SL
    expect(r.sl.abandonAfterSlOnly).toBeNull(); // 3 − 3 = 0
    expect(r.abandonRate).toBe(1);
  });

  it('positiveAbandon and abandonAfterSlOnly use abandonedWithinSl, not abandonedShort', () => {
    // 4 answered (3 within T), 4 abandoned: 1 short, 2 within T (the short one included), 2 after T.
    const counts = {
      ...emptyCounts(),
      answered: 4,
      answeredWithinSl: 3,
      abandoned: 4,
      abandonedShort: 1,
      abandonedWithinSl: 2,
    };
    const r = computeRatios(counts);
    expect(r.sl.positiveAbandon).toBe(5 / 8);
    expect(r.sl.abandonAfterSlOnly).toBe(3 / 6);
    expect(r.sl.ignoreShortAbandon).toBe(3 / 7);
  });

  it('guards a negative denominator with null rather than a negative rate', () => {
    const corrupt = { ...emptyCounts(), answered: 1, answeredWithinSl: 1, abandonedShort: 5, abandonedWithinSl: 5 };
    const r = computeRatios(corrupt);
    expect(r.sl.ignoreShortAbandon).toBeNull();
    expect(r.sl.abandonAfterSlOnly).toBeNull();
  });

  it('fcrRate leaves out calls whose resolution is unknown', () => {
    const unknownOnly = { ...emptyCounts(), completed: 4, talkMs: 4000 };
    expect(computeRatios(unknownOnly).fcrRate).toBeNull();
    const mixed = { ...emptyCounts(), completed: 4, talkMs: 4000, resolvedKnown: 2, resolved: 1 };
    expect(computeRatios(mixed).fcrRate).toBe(0.5);
    const noneResolved = { ...emptyCounts(), completed: 2, resolvedKnown: 2, resolved: 0 };
    expect(computeRatios(noneResolved).fcrRate).toBe(0);
  });

  it('keeps durations unrounded', () => {
    const r = computeRatios({ ...emptyCounts(), answered: 3, waitMsAnswered: 1000, completed: 3, talkMs: 100 });
    expect(r.asaMs).toBe(1000 / 3);
    expect(r.avgTalkMs).toBe(100 / 3);
  });
});

describe('slValue', () => {
  it('picks the named formula', () => {
    const r = computeRatios({
      ...emptyCounts(),
      answered: 4,
      answeredWithinSl: 3,
      abandoned: 4,
      abandonedShort: 1,
      abandonedWithinSl: 2,
    });
    expect(SL_FORMULAS.map((f) => slValue(r, f))).toEqual([3 / 8, 3 / 7, 5 / 8, 3 / 6, 3 / 4]);
  });
});
