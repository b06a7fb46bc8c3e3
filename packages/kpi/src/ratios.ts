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
  /** Outbound campaigns (外呼, issue 11): the counters again under their report names, and their rates. */
  outbound: OutboundRatios;
  /** firstResponseMs / firstResponses (首次响应时长). */
  avgFirstResponseMs: number | null;
  /** firstResponsesWithinTarget / firstResponses. */
  firstResponseWithinTarget: number | null;
  /** complaintsFiled / answered × 10 000 (投诉率/万, per 10 000 handled inbound contacts). */
  complaintsPer10k: number | null;
  /** complaintsFiled / the tenant's subscribers × 10 000, over the row's range; `null` without a subscriber count. */
  complaintsPer10kSubscribers: number | null;
  /** complaintsRespondedOnTime / complaintsResponded (投诉及时响应率). */
  complaintResponseOnTimeRate: number | null;
  /** csatSatisfied / csatResponses (满意度, top-two-box). */
  csatRate: number | null;
  /** csatSum / csatResponses. */
  avgCsat: number | null;
  /** (npsPromoters − npsDetractors) / npsResponses × 100, from −100 to 100. */
  nps: number | null;
  /** surveyResolved / surveyResolvedKnown: the customer says the issue was resolved. */
  surveyResolvedRate: number | null;
  /**
   * (fcrContacts − fcrRepeated − fcrPending) / (fcrContacts − fcrPending) (一次性解决率, repeat-contact
   * based): the final handled contacts with a callerKey that had no repeat within the tenant's window.
   */
  fcrRepeatRate: number | null;
}

/**
 * Every field of {@link KpiRatios}, in the order `callboard kpi` prints them: v1's, then wave 2's.
 * For code that lists or copies the ratios (JSON rows, gauges) without naming each one again.
 */
export const RATIO_FIELDS = [
  'sl',
  'answerRate',
  'abandonRate',
  'asaMs',
  'avgAbandonWaitMs',
  'ahtMs',
  'avgTalkMs',
  'transferRate',
  'fcrRate',
  'outbound',
  'avgFirstResponseMs',
  'firstResponseWithinTarget',
  'complaintsPer10k',
  'complaintsPer10kSubscribers',
  'complaintResponseOnTimeRate',
  'csatRate',
  'avgCsat',
  'nps',
  'surveyResolvedRate',
  'fcrRepeatRate',
] as const satisfies readonly (keyof KpiRatios)[];

// Compile-time guard: RATIO_FIELDS must name every key of KpiRatios.
type MissingRatios = Exclude<keyof KpiRatios, (typeof RATIO_FIELDS)[number]>;
const everyRatioListed: [MissingRatios] extends [never] ? true : MissingRatios = true;
void everyRatioListed;

/** Failed outbound attempts (`call.flowed_out` on an outbound visit) by reason. */
export interface OutboundFailures {
  no_answer: number;
  busy: number;
  invalid_number: number;
  rejected: number;
  /** `other`, and any inbound-only reason on an outbound visit. */
  other: number;
}

/** The outbound part of {@link KpiRatios}. */
export interface OutboundRatios {
  /** outboundAttempts (呼出). */
  attempts: number;
  /** outboundConnected (接通). */
  connected: number;
  /** outboundSucceeded (成功). */
  succeeded: number;
  /** outboundAbandoned. */
  abandoned: number;
  failed: OutboundFailures;
  /** connected / attempts (外呼接通率). */
  connectRate: number | null;
  /** succeeded / connected (外呼成功率): a connected call still in progress is in the denominator. */
  successRate: number | null;
  /** outboundRingMs / connected. */
  avgRingMs: number | null;
  /** outboundTalkMs / outboundCompleted. */
  avgTalkMs: number | null;
}

/** Options of {@link computeRatios}. */
export interface RatioOptions {
  /** The tenant's subscriber count (`TenantKpiSettings.subscribers`); without it `complaintsPer10kSubscribers` is `null`. */
  subscribers?: number;
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
 * Derives every KPI of the DESIGN §3 tables (v1 and wave 2) from a set of counters.
 *
 * @param counts - counters of one window (one bucket or a merge of many); a tenant total is the
 *   sum of its queues' counters, so its ratios are ratios of sums, never averages of ratios
 * @param options - the tenant's subscriber count, for `complaintsPer10kSubscribers`
 * @returns the SL variants, rates and averages; `null` where the denominator is not positive
 */
export function computeRatios(counts: KpiCounts, options: RatioOptions = {}): KpiRatios {
  const outcomes = counts.answered + counts.abandoned + counts.flowedOut;
  const handleMs = counts.talkMs + counts.holdMs + counts.wrapMs;
  const finalContacts = counts.fcrContacts - counts.fcrPending;
  const subscribers = options.subscribers;
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
    outbound: {
      attempts: counts.outboundAttempts,
      connected: counts.outboundConnected,
      succeeded: counts.outboundSucceeded,
      abandoned: counts.outboundAbandoned,
      failed: {
        no_answer: counts.outboundFailedNoAnswer,
        busy: counts.outboundFailedBusy,
        invalid_number: counts.outboundFailedInvalidNumber,
        rejected: counts.outboundFailedRejected,
        other: counts.outboundFailedOther,
      },
      connectRate: ratio(counts.outboundConnected, counts.outboundAttempts),
      successRate: ratio(counts.outboundSucceeded, counts.outboundConnected),
      avgRingMs: ratio(counts.outboundRingMs, counts.outboundConnected),
      avgTalkMs: ratio(counts.outboundTalkMs, counts.outboundCompleted),
    },
    avgFirstResponseMs: ratio(counts.firstResponseMs, counts.firstResponses),
    firstResponseWithinTarget: ratio(counts.firstResponsesWithinTarget, counts.firstResponses),
    complaintsPer10k: per10k(counts.complaintsFiled, counts.answered),
    complaintsPer10kSubscribers: subscribers === undefined ? null : per10k(counts.complaintsFiled, subscribers),
    complaintResponseOnTimeRate: ratio(counts.complaintsRespondedOnTime, counts.complaintsResponded),
    csatRate: ratio(counts.csatSatisfied, counts.csatResponses),
    avgCsat: ratio(counts.csatSum, counts.csatResponses),
    nps: counts.npsResponses > 0 ? ((counts.npsPromoters - counts.npsDetractors) / counts.npsResponses) * 100 : null,
    surveyResolvedRate: ratio(counts.surveyResolved, counts.surveyResolvedKnown),
    fcrRepeatRate: ratio(finalContacts - counts.fcrRepeated, finalContacts),
  };
}

/** `numerator / denominator × 10 000`, `null` on an empty denominator (投诉率/万). */
function per10k(numerator: number, denominator: number): number | null {
  return denominator > 0 ? (numerator / denominator) * 10_000 : null;
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
