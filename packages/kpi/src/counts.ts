/**
 * The additive KPI counters of one (tenant, queue, bucket), exactly the list in DESIGN §3.
 *
 * Every ratio is derived from these, never stored, so that buckets can be merged
 * into any window and a change of SL definition never rewrites history.
 * All durations are integer milliseconds.
 */
export interface KpiCounts {
  /** `call.offered` events (arrivals, counted at the offer's own `occurredAt`). */
  offered: number;
  /** `call.answered` outcomes. */
  answered: number;
  /** `call.abandoned` outcomes. */
  abandoned: number;
  /** `call.flowed_out` outcomes. */
  flowedOut: number;
  /** Abandoned with `waitMs < shortAbandonMs` (strictly). */
  abandonedShort: number;
  /** Answered with `waitMs <= slThresholdMs` (inclusive). */
  answeredWithinSl: number;
  /** Abandoned with `waitMs <= slThresholdMs` (inclusive). */
  abandonedWithinSl: number;
  /** `call.completed` events. */
  completed: number;
  /** Sum of `talkMs` over completed calls. */
  talkMs: number;
  /** Sum of `holdMs` over completed calls. */
  holdMs: number;
  /** Sum of `wrapMs` over completed calls. */
  wrapMs: number;
  /** Completed calls with `transferred: true`. */
  transferred: number;
  /** Completed calls whose `resolved` flag was reported at all. */
  resolvedKnown: number;
  /** Completed calls with `resolved: true`. */
  resolved: number;
  /** Sum of `waitMs` over answered calls. */
  waitMsAnswered: number;
  /** Sum of `waitMs` over abandoned calls. */
  waitMsAbandoned: number;
  /** Largest `waitMs` of any outcome (answered, abandoned or flowed out); merged by max, not sum. */
  maxWaitMs: number;

  // Wave 2 (issue 11, docs/decisions/0010-service-quality-kpis.md). Outbound visits (direction from
  // the visit's applied `call.offered`) count only here, never in the inbound counters above.
  /** Outbound visits offered (呼出), at the offer's time. */
  outboundAttempts: number;
  /** Outbound visits answered by the callee (接通), at the answer's time. */
  outboundConnected: number;
  /** Sum of `waitMs` (ring time) over outbound answers. */
  outboundRingMs: number;
  /** Outbound visits abandoned (e.g. a predictive dialer's callee hung up with no agent free). */
  outboundAbandoned: number;
  /** Outbound `call.flowed_out` by reason; `outboundFailedOther` also takes the inbound-only reasons. */
  outboundFailedNoAnswer: number;
  outboundFailedBusy: number;
  outboundFailedInvalidNumber: number;
  outboundFailedRejected: number;
  outboundFailedOther: number;
  /** Outbound `call.completed`. */
  outboundCompleted: number;
  /** Outbound `call.completed` with `success: true` (成功). */
  outboundSucceeded: number;
  /** Sum of `talkMs` over outbound completions. */
  outboundTalkMs: number;
  /** Inbound answers that carry `firstResponseMs`. */
  firstResponses: number;
  /** Sum of `firstResponseMs` over them. */
  firstResponseMs: number;
  /** Those with `firstResponseMs <= firstResponseTargetMs` (inclusive). */
  firstResponsesWithinTarget: number;
  /** Distinct surveys (by surveyId), at the survey's time. */
  surveys: number;
  /** Surveys with a `csat`. */
  csatResponses: number;
  /** Surveys with `csat` 4 or 5. */
  csatSatisfied: number;
  /** Sum of `csat`. */
  csatSum: number;
  /** Surveys with an `nps`. */
  npsResponses: number;
  /** `nps` 9 or 10. */
  npsPromoters: number;
  /** `nps` 0 to 6. */
  npsDetractors: number;
  /** Surveys with `resolved` reported. */
  surveyResolvedKnown: number;
  /** Surveys with `resolved: true`. */
  surveyResolved: number;

  // Kept under the tenant's hash tag (TENANT_COUNT_FIELDS), per queue and for queue-less complaints.
  /** Distinct complaints filed, at filing. */
  complaintsFiled: number;
  /** Complaints first responded to, at the first response. */
  complaintsResponded: number;
  /** Of those, first response at or before `responseDueAt`, at the response. */
  complaintsRespondedOnTime: number;
  /** Complaints closed, by outcome, at the first closing event. */
  complaintsResolved: number;
  complaintsRejected: number;
  complaintsWithdrawn: number;
  /** Handled inbound contacts with a callerKey (answered), at the offer's time. */
  fcrContacts: number;
  /** Of those, the ones the same callerKey contacted the tenant again within the repeat window. */
  fcrRepeated: number;
  /**
   * Of `fcrContacts` without a repeat, those not yet final: the newest event time seen is not past
   * t + repeat window. Computed when read (not stored in buckets); additive across queues.
   */
  fcrPending: number;
}

/**
 * Every counter name, in a fixed order. The Redis store names hash fields by the
 * position in this list, so reordering it (not renaming) is a storage migration.
 */
export const COUNT_FIELDS = [
  'offered',
  'answered',
  'abandoned',
  'flowedOut',
  'abandonedShort',
  'answeredWithinSl',
  'abandonedWithinSl',
  'completed',
  'talkMs',
  'holdMs',
  'wrapMs',
  'transferred',
  'resolvedKnown',
  'resolved',
  'waitMsAnswered',
  'waitMsAbandoned',
  'maxWaitMs',
  'outboundAttempts',
  'outboundConnected',
  'outboundRingMs',
  'outboundAbandoned',
  'outboundFailedNoAnswer',
  'outboundFailedBusy',
  'outboundFailedInvalidNumber',
  'outboundFailedRejected',
  'outboundFailedOther',
  'outboundCompleted',
  'outboundSucceeded',
  'outboundTalkMs',
  'firstResponses',
  'firstResponseMs',
  'firstResponsesWithinTarget',
  'surveys',
  'csatResponses',
  'csatSatisfied',
  'csatSum',
  'npsResponses',
  'npsPromoters',
  'npsDetractors',
  'surveyResolvedKnown',
  'surveyResolved',
  'complaintsFiled',
  'complaintsResponded',
  'complaintsRespondedOnTime',
  'complaintsResolved',
  'complaintsRejected',
  'complaintsWithdrawn',
  'fcrContacts',
  'fcrRepeated',
  'fcrPending',
] as const satisfies readonly (keyof KpiCounts)[];

/**
 * The counters kept in a queue's own buckets, under `{tenant:queue}`: the prefix of COUNT_FIELDS up to
 * `surveyResolved`. Their position in COUNT_FIELDS is their hash field index there.
 */
export const QUEUE_COUNT_FIELDS = COUNT_FIELDS.slice(0, COUNT_FIELDS.indexOf('surveyResolved') + 1) as readonly CountField[];

/**
 * The counters kept under the tenant's hash tag `{tenant}`, per queue and for queue-less complaints
 * (docs/decisions/0010-service-quality-kpis.md). Their position in THIS list is their hash field index
 * in those buckets. `fcrPending` is not stored: it is computed when read.
 */
export const TENANT_COUNT_FIELDS = ['complaintsFiled', 'complaintsResponded', 'complaintsRespondedOnTime', 'complaintsResolved', 'complaintsRejected', 'complaintsWithdrawn', 'fcrContacts', 'fcrRepeated'] as const satisfies readonly CountField[];

/** The name of one counter. */
export type CountField = (typeof COUNT_FIELDS)[number];

/**
 * Counters merged by `max` instead of `+`. The Lua store needs this list to
 * choose between HINCRBY and a compare-and-set.
 */
export const MAX_COUNT_FIELDS = ['maxWaitMs'] as const satisfies readonly CountField[];

// Compile-time guard: COUNT_FIELDS must name every key of KpiCounts, no more, no less.
type MissingFields = Exclude<keyof KpiCounts, CountField>;
const everyFieldListed: [MissingFields] extends [never] ? true : MissingFields = true;
void everyFieldListed;

const MAX_FIELD_SET: ReadonlySet<CountField> = new Set(MAX_COUNT_FIELDS);

/** A fresh set of counters, all zero: the identity of {@link addCounts}. */
export function emptyCounts(): KpiCounts {
  const counts = {} as KpiCounts;
  for (const field of COUNT_FIELDS) counts[field] = 0;
  return counts;
}

/**
 * Merges two sets of counters into a new one: sums, except `maxWaitMs`, which is the max.
 *
 * Both operations are associative and commutative with {@link emptyCounts} as
 * identity, so buckets can be merged in any order and grouping (DESIGN §4).
 * A missing field in `b` counts as 0, so a partial contribution can be added.
 *
 * @param a - counters; not modified
 * @param b - counters or a partial contribution; not modified
 * @returns a new object
 */
export function addCounts(a: KpiCounts, b: Partial<KpiCounts>): KpiCounts {
  const sum = {} as KpiCounts;
  for (const field of COUNT_FIELDS) {
    const right = b[field] ?? 0;
    sum[field] = MAX_FIELD_SET.has(field) ? Math.max(a[field], right) : a[field] + right;
  }
  return sum;
}
