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
] as const satisfies readonly (keyof KpiCounts)[];

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
