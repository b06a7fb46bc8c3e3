import type { KpiCounts } from './counts.js';

/**
 * The five service-level definitions of DESIGN §3, by their published names.
 * All five are always computed; a queue only picks which one its tile shows.
 */
export const SL_FORMULAS = [
  'sl.negativeAbandon',
  'sl.ignoreShortAbandon',
  'sl.positiveAbandon',
  'sl.abandonAfterSlOnly',
  'sl.handledOnly',
] as const;

/** The published name of one SL definition, e.g. `'sl.negativeAbandon'`. */
export type SlFormula = (typeof SL_FORMULAS)[number];

/** A queue's primary SL formula when it names none (DESIGN §3). */
export const DEFAULT_SL_FORMULA: SlFormula = 'sl.negativeAbandon';

/** The five SL values, keyed by formula name without the `sl.` prefix. Fractions in [0, 1], or `null`. */
export interface SlRatios {
  /** answeredWithinSl / outcomes: abandons count against SL (20秒接通率). */
  negativeAbandon: number | null;
  /** answeredWithinSl / (outcomes − abandonedShort): short abandons are ignored. */
  ignoreShortAbandon: number | null;
  /** (answeredWithinSl + abandonedWithinSl) / outcomes: abandons within T count for SL. */
  positiveAbandon: number | null;
  /** answeredWithinSl / (outcomes − abandonedWithinSl): only abandons after T count against SL. */
  abandonAfterSlOnly: number | null;
  /** answeredWithinSl / answered: handled calls only. */
  handledOnly: number | null;
}

/**
 * Every derived KPI of DESIGN §3. Rates are fractions in [0, 1], durations are
 * milliseconds (not rounded). A value is `null` when its denominator is 0: a rate
 * on an empty window is neither 0 nor 100 %.
 */
export interface KpiRatios {
  sl: SlRatios;
  /** answered / outcomes (人工接通率). */
  answerRate: number | null;
  /** abandoned / outcomes (放弃率). */
  abandonRate: number | null;
  /** waitMsAnswered / answered: average speed of answer. */
  asaMs: number | null;
  /** waitMsAbandoned / abandoned. */
  avgAbandonWaitMs: number | null;
  /** (talkMs + holdMs + wrapMs) / completed: average handle time. */
  ahtMs: number | null;
  /** talkMs / completed (平均通话时长). */
  avgTalkMs: number | null;
  /** transferred / completed. */
  transferRate: number | null;
  /** resolved / resolvedKnown (一次性解决率): calls whose resolution was not reported are left out. */
  fcrRate: number | null;
}

/**
 * Division that yields `null` instead of Infinity/NaN. Counters built by
 * `contribution` never give a negative denominator (short and within-SL abandons
 * are subsets of abandons in the same bucket), but counters read back from storage
 * or built by hand might; showing no value beats showing a negative rate.
 */
function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

/**
 * Derives every KPI of the DESIGN §3 table from a set of counters.
 *
 * @param counts - counters of one window (one bucket or a merge of many)
 * @returns the SL variants, rates and averages; `null` where the denominator is not positive
 */
export function computeRatios(counts: KpiCounts): KpiRatios {
  const outcomes = counts.answered + counts.abandoned + counts.flowedOut;
  const handleMs = counts.talkMs + counts.holdMs + counts.wrapMs;
  return {
    sl: {
      negativeAbandon: ratio(counts.answeredWithinSl, outcomes),
      ignoreShortAbandon: ratio(counts.answeredWithinSl, outcomes - counts.abandonedShort),
      positiveAbandon: ratio(counts.answeredWithinSl + counts.abandonedWithinSl, outcomes),
      abandonAfterSlOnly: ratio(counts.answeredWithinSl, outcomes - counts.abandonedWithinSl),
      handledOnly: ratio(counts.answeredWithinSl, counts.answered),
    },
    answerRate: ratio(counts.answered, outcomes),
    abandonRate: ratio(counts.abandoned, outcomes),
    asaMs: ratio(counts.waitMsAnswered, counts.answered),
    avgAbandonWaitMs: ratio(counts.waitMsAbandoned, counts.abandoned),
    ahtMs: ratio(handleMs, counts.completed),
    avgTalkMs: ratio(counts.talkMs, counts.completed),
    transferRate: ratio(counts.transferred, counts.completed),
    fcrRate: ratio(counts.resolved, counts.resolvedKnown),
  };
}

/**
 * The value of one named SL formula, e.g. the queue's primary one for its tile.
 *
 * @param ratios - output of {@link computeRatios}
 * @param formula - a name from {@link SL_FORMULAS}
 */
export function slValue(ratios: Pick<KpiRatios, 'sl'>, formula: SlFormula): number | null {
  switch (formula) {
    case 'sl.negativeAbandon':
      return ratios.sl.negativeAbandon;
    case 'sl.ignoreShortAbandon':
      return ratios.sl.ignoreShortAbandon;
    case 'sl.positiveAbandon':
      return ratios.sl.positiveAbandon;
    case 'sl.abandonAfterSlOnly':
      return ratios.sl.abandonAfterSlOnly;
    case 'sl.handledOnly':
      return ratios.sl.handledOnly;
  }
}
