import { SL_FORMULAS, slValue } from '@callboard/kpi';
import type { KpiView, SourceFreshness, WindowKpi } from '@callboard/windows';

/**
 * The windows a rule may read. Same names as `@callboard/windows`' `WINDOW_NAMES`; repeated here so
 * this pure package imports only types from the Redis-backed one (a test keeps the two lists equal).
 */
export const ALERT_WINDOWS = ['rolling-5m', 'rolling-15m', 'rolling-60m', 'interval-15m', 'interval-30m', 'today'] as const;

/** A window name, e.g. `'rolling-15m'`. */
export type AlertWindow = (typeof ALERT_WINDOWS)[number];

/** Wave 2 (issue 11, DESIGN §3): outbound campaigns, first response, complaints, surveys, repeat-contact FCR. */
const WAVE2_WINDOW_METRICS = [
  'outbound.connectRate',
  'outbound.successRate',
  'avgFirstResponseMs',
  'firstResponseWithinTarget',
  'complaintsPer10k',
  'complaintResponseOnTimeRate',
  'csatRate',
  'nps',
  'fcrRepeatRate',
] as const;

/** Metrics read from the rule's window of the snapshot (DESIGN §3 KPIs). */
export const WINDOW_METRICS = [
  'sl.primary',
  ...SL_FORMULAS,
  'answerRate',
  'abandonRate',
  'asaMs',
  'avgAbandonWaitMs',
  'ahtMs',
  'avgTalkMs',
  'transferRate',
  'fcrRate',
  ...WAVE2_WINDOW_METRICS,
] as const;

/** Metrics read from the live queue state; the rule's window is ignored. */
export const LIVE_METRICS = [
  'live.callsWaiting',
  'live.longestWaitingMs',
  'live.agentsAvailable',
  'live.occupancy',
  'live.waitingWithNoAgent',
  // Complaint live state (decision 0010 §4), per queue and on the tenant-total snapshot.
  'live.complaintsOpen',
  'live.complaintsOverdue',
  'live.oldestOpenComplaintAgeMs',
] as const;

/** What stands in a metric's place in a complaint reminder's records and notifications (complaint-reminder.ts). */
export const REMINDER_METRIC = 'complaint.reminder';

/** Erlang C projections (DESIGN §3 "Planning"); they look ahead, so rules on them are predictive. */
export const PLANNING_METRICS = ['planning.projectedSl', 'planning.requiredAgentsGap'] as const;

/**
 * Per-source freshness (issue 10 item 5, docs/decisions/0008-source-freshness.md): a rule on these
 * watches every source of its tenants, one alert per (tenant, source), not per queue.
 */
export const SOURCE_METRICS = ['source.silent', 'source.newestEventAgeMs', 'source.heartbeatAgeMs'] as const;

/** The closed list of metric names a rule may use. */
export const METRICS = [...WINDOW_METRICS, ...LIVE_METRICS, ...PLANNING_METRICS, ...SOURCE_METRICS] as const;

/** One metric name, e.g. `'sl.primary'` or `'live.longestWaitingMs'`. */
export type MetricName = (typeof METRICS)[number];

/** What a metric measures, which bounds its thresholds: a threshold outside them can never be met. */
export type MetricUnit = 'ratio' | 'ms' | 'count' | 'flag' | 'agents' | 'per10k' | 'nps';

/**
 * Which way a metric goes wrong: `low` (lower is worse: SL, answer rate, CSAT), `high` (higher is
 * worse: waits, abandons, complaints), or `either` (the staffing gap: under- and over-staffed).
 */
export type MetricDirection = 'low' | 'high' | 'either';

/** Static facts about one metric, used to validate rules. */
export interface MetricInfo {
  source: 'window' | 'live' | 'planning' | 'source';
  unit: MetricUnit;
  /** Smallest value the metric can take. */
  min: number;
  /** Largest value the metric can take. */
  max: number;
  /** Whether `{ ofTarget }` thresholds make sense: only for service-level style fractions. */
  ofTarget: boolean;
  /** Which way the metric goes wrong; a rule usually fires `<` on a `low` metric and `>` on a `high` one. */
  worse: MetricDirection;
}

const RANGES: Record<MetricUnit, { min: number; max: number }> = {
  ratio: { min: 0, max: 1 },
  flag: { min: 0, max: 1 },
  ms: { min: 0, max: Number.POSITIVE_INFINITY },
  count: { min: 0, max: Number.POSITIVE_INFINITY },
  // requiredAgents − agentsStaffedEffective: negative when overstaffed.
  agents: { min: Number.NEGATIVE_INFINITY, max: Number.POSITIVE_INFINITY },
  per10k: { min: 0, max: Number.POSITIVE_INFINITY },
  nps: { min: -100, max: 100 },
};

/** Metrics where a higher value is worse; every other one but `planning.requiredAgentsGap` is worse when lower. */
const HIGHER_IS_WORSE: ReadonlySet<string> = new Set([
  'abandonRate',
  'asaMs',
  'avgAbandonWaitMs',
  'ahtMs',
  'transferRate',
  'avgFirstResponseMs',
  'complaintsPer10k',
  'live.callsWaiting',
  'live.longestWaitingMs',
  'live.occupancy',
  'live.waitingWithNoAgent',
  'live.complaintsOpen',
  'live.complaintsOverdue',
  'live.oldestOpenComplaintAgeMs',
  'source.silent',
  'source.newestEventAgeMs',
  'source.heartbeatAgeMs',
]);

function directionOf(metric: MetricName): MetricDirection {
  if (metric === 'planning.requiredAgentsGap' || metric === 'avgTalkMs') return 'either';
  return HIGHER_IS_WORSE.has(metric) ? 'high' : 'low';
}

const SL_METRICS: ReadonlySet<string> = new Set(['sl.primary', ...SL_FORMULAS, 'planning.projectedSl']);

function unitOf(metric: MetricName): MetricUnit {
  switch (metric) {
    case 'asaMs':
    case 'avgAbandonWaitMs':
    case 'ahtMs':
    case 'avgTalkMs':
    case 'live.longestWaitingMs':
    case 'source.newestEventAgeMs':
    case 'source.heartbeatAgeMs':
    case 'avgFirstResponseMs':
    case 'live.oldestOpenComplaintAgeMs':
      return 'ms';
    case 'live.callsWaiting':
    case 'live.agentsAvailable':
    case 'live.complaintsOpen':
    case 'live.complaintsOverdue':
      return 'count';
    case 'complaintsPer10k':
      return 'per10k';
    case 'nps':
      return 'nps';
    case 'live.waitingWithNoAgent':
    case 'source.silent':
      return 'flag';
    case 'planning.requiredAgentsGap':
      return 'agents';
    default:
      return 'ratio';
  }
}

/** Facts about `metric`: where it is read from and the range its values (and thresholds) live in. */
export function metricInfo(metric: MetricName): MetricInfo {
  const unit = unitOf(metric);
  const source = (LIVE_METRICS as readonly string[]).includes(metric)
    ? 'live'
    : (PLANNING_METRICS as readonly string[]).includes(metric)
      ? 'planning'
      : isSourceMetric(metric)
        ? 'source'
        : 'window';
  return { source, unit, ...RANGES[unit], ofTarget: SL_METRICS.has(metric), worse: directionOf(metric) };
}

/** Whether `metric` is read per source ({@link SOURCE_METRICS}) rather than per queue. */
export function isSourceMetric(metric: string): metric is (typeof SOURCE_METRICS)[number] {
  return (SOURCE_METRICS as readonly string[]).includes(metric);
}

/**
 * Reads a source metric from one source's freshness in a snapshot, `sinceSnapshotMs` after the
 * snapshot was taken (a wall-clock tick re-reads the last snapshot; ages grow meanwhile):
 * - `source.silent`: 1 when the aggregator judged the source stale (no heartbeat for 60 s, or the
 *   configured bounds), else 0;
 * - `source.newestEventAgeMs`, `source.heartbeatAgeMs`: the ages, null when never seen.
 * Volume is `Infinity`: a source's silence is a fact, not an estimate.
 */
export function sampleSourceMetric(freshness: SourceFreshness, metric: (typeof SOURCE_METRICS)[number], sinceSnapshotMs = 0): MetricReading {
  const later = (age: number | null) => (age === null ? null : age + Math.max(0, sinceSnapshotMs));
  switch (metric) {
    case 'source.silent':
      return { value: freshness.stale ? 1 : 0, volume: Number.POSITIVE_INFINITY };
    case 'source.newestEventAgeMs':
      return { value: later(freshness.newestEventAgeMs), volume: Number.POSITIVE_INFINITY };
    case 'source.heartbeatAgeMs':
      return { value: later(freshness.heartbeatAgeMs), volume: Number.POSITIVE_INFINITY };
  }
}

/** Whether `name` is one of {@link METRICS}. */
export function isMetricName(name: string): name is MetricName {
  return (METRICS as readonly string[]).includes(name);
}

/** One reading of a metric: its value (`null` when undefined, e.g. a rate over an empty window) and the volume behind it. */
export interface MetricReading {
  value: number | null;
  /** How many calls the value rests on, compared with a rule's `minVolume`. */
  volume: number;
}

function outcomes(w: WindowKpi): number {
  return w.counts.answered + w.counts.abandoned + w.counts.flowedOut;
}

/**
 * The wave 2 ratios of a window (issue 11), read through optional fields: snapshots written before
 * them lack them, which reads as no data.
 */
interface Wave2Ratios {
  outbound?: { connectRate?: number | null; successRate?: number | null };
  avgFirstResponseMs?: number | null;
  firstResponseWithinTarget?: number | null;
  complaintsPer10k?: number | null;
  complaintResponseOnTimeRate?: number | null;
  csatRate?: number | null;
  nps?: number | null;
  fcrRepeatRate?: number | null;
}

/** The complaint live state of a snapshot (decision 0010 §4); absent in snapshots written before it. */
interface ComplaintLive {
  complaintsOpen?: number;
  complaintsOverdue?: number;
  oldestOpenComplaintAgeMs?: number | null;
}

type Wave2Metric = (typeof WAVE2_WINDOW_METRICS)[number];

/** A wave 2 metric's value, and its volume: the ratio's own denominator (e.g. outbound attempts for the connect rate). */
function wave2Reading(w: WindowKpi, metric: Wave2Metric): MetricReading {
  const r = w as WindowKpi & Wave2Ratios;
  const c = w.counts;
  const read = (value: number | null | undefined, volume: number): MetricReading => ({ value: value ?? null, volume: value === undefined ? 0 : volume });
  switch (metric) {
    case 'outbound.connectRate':
      return read(r.outbound?.connectRate, c.outboundAttempts);
    case 'outbound.successRate':
      return read(r.outbound?.successRate, c.outboundConnected);
    case 'avgFirstResponseMs':
      return read(r.avgFirstResponseMs, c.firstResponses);
    case 'firstResponseWithinTarget':
      return read(r.firstResponseWithinTarget, c.firstResponses);
    case 'complaintsPer10k':
      // Its denominator is inbound answered contacts (DESIGN §3): minVolume 200 = "at least 200 answered".
      return read(r.complaintsPer10k, c.answered);
    case 'complaintResponseOnTimeRate':
      return read(r.complaintResponseOnTimeRate, c.complaintsResponded);
    case 'csatRate':
      return read(r.csatRate, c.csatResponses);
    case 'nps':
      return read(r.nps, c.npsResponses);
    case 'fcrRepeatRate':
      return read(r.fcrRepeatRate, c.fcrContacts - c.fcrPending);
  }
}

const WAVE2_METRICS: ReadonlySet<string> = new Set(WAVE2_WINDOW_METRICS);

function windowValue(w: WindowKpi, metric: Exclude<(typeof WINDOW_METRICS)[number], Wave2Metric>): number | null {
  switch (metric) {
    case 'sl.primary':
      return w.primarySlValue;
    case 'sl.negativeAbandon':
    case 'sl.ignoreShortAbandon':
    case 'sl.positiveAbandon':
    case 'sl.abandonAfterSlOnly':
    case 'sl.handledOnly':
      return slValue(w, metric);
    default:
      return w[metric];
  }
}

/**
 * Reads one metric from a queue's KPI snapshot.
 *
 * Volume, compared with a rule's `minVolume`:
 * - window metrics: the outcomes (answered + abandoned + flowed out) of the rule's window, the
 *   denominator of most rates, so `minVolume: 20` means "at least 20 finished calls"; the wave 2
 *   metrics use their own denominator: outbound attempts (`outbound.connectRate`), connected
 *   (`outbound.successRate`), first responses (`avgFirstResponseMs`, `firstResponseWithinTarget`),
 *   inbound answered (`complaintsPer10k`), complaints responded (`complaintResponseOnTimeRate`), CSAT
 *   responses (`csatRate`), NPS responses (`nps`), final repeat-FCR contacts (`fcrRepeatRate`);
 * - planning metrics: calls offered in rolling-15m, the arrivals the Erlang C projection rests on
 *   (recovered from `arrivalsPerHour`, which the queue reader computes from exactly that count);
 * - live metrics: `Infinity`: a live count is a fact, not an estimate, so `minVolume` never hides it.
 *
 * A window the snapshot does not hold reads as `{ value: null, volume: 0 }`, i.e. no data.
 *
 * @param view - the queue's snapshot (`readQueueView`, cc.kpi.v1) or the tenant total (`queueId` null,
 *   no planning: planning metrics read as no data)
 * @param metric - a name from {@link METRICS}
 * @param window - the rule's window; ignored for live and planning metrics
 */
export function sampleMetric(view: KpiView, metric: MetricName, window: AlertWindow): MetricReading {
  if (isSourceMetric(metric)) return { value: null, volume: 0 }; // per source: sampleSourceMetric
  switch (metric) {
    case 'live.callsWaiting':
      return { value: view.live.callsWaiting, volume: Number.POSITIVE_INFINITY };
    case 'live.longestWaitingMs':
      // Nobody waiting means the longest wait is 0, not unknown: otherwise an emptying queue would
      // flap between normal and nodata on the wallboard.
      return { value: view.live.callsWaiting === 0 ? (view.live.longestWaitingMs ?? 0) : view.live.longestWaitingMs, volume: Number.POSITIVE_INFINITY };
    case 'live.agentsAvailable':
      return { value: view.live.agentsAvailable, volume: Number.POSITIVE_INFINITY };
    case 'live.occupancy':
      return { value: view.live.occupancy, volume: Number.POSITIVE_INFINITY };
    case 'live.waitingWithNoAgent':
      return { value: view.live.callsWaiting > 0 && view.live.agentsAvailable === 0 ? 1 : 0, volume: Number.POSITIVE_INFINITY };
    case 'live.complaintsOpen':
    case 'live.complaintsOverdue':
    case 'live.oldestOpenComplaintAgeMs': {
      const live: ComplaintLive = view.live;
      if (live.complaintsOpen === undefined) return { value: null, volume: 0 }; // a snapshot from before complaints
      if (metric === 'live.complaintsOpen') return { value: live.complaintsOpen, volume: Number.POSITIVE_INFINITY };
      if (metric === 'live.complaintsOverdue') return { value: live.complaintsOverdue ?? null, volume: Number.POSITIVE_INFINITY };
      // No open complaint: the oldest is 0 old, not unknown, like longestWaitingMs with nobody waiting.
      return { value: live.complaintsOpen === 0 ? (live.oldestOpenComplaintAgeMs ?? 0) : (live.oldestOpenComplaintAgeMs ?? null), volume: Number.POSITIVE_INFINITY };
    }
    case 'planning.projectedSl':
    case 'planning.requiredAgentsGap': {
      const planning = view.planning;
      if (planning === null) return { value: null, volume: 0 }; // a tenant total staffs no single queue
      if (metric === 'planning.projectedSl') return { value: planning.projectedSl, volume: planningVolume(view, planning) };
      const required = planning.requiredAgents;
      // Against the staffing Erlang C ran with: a multi-queue agent is its share (docs/kpi-topic.md).
      return { value: required === null ? null : required - planning.agentsStaffedEffective, volume: planningVolume(view, planning) };
    }
    default: {
      const w = view.windows.find((k) => k.name === window);
      if (!w) return { value: null, volume: 0 };
      if (WAVE2_METRICS.has(metric)) return wave2Reading(w, metric as Wave2Metric);
      return { value: windowValue(w, metric as Exclude<(typeof WINDOW_METRICS)[number], Wave2Metric>), volume: outcomes(w) };
    }
  }
}

function planningVolume(view: KpiView, planning: NonNullable<KpiView['planning']>): number {
  const recent = view.windows.find((k) => k.name === 'rolling-15m');
  // planQueue is fed rolling-15m's offered over a 15-minute interval, so arrivalsPerHour / 4 is that count.
  return recent ? recent.counts.offered : Math.round(planning.arrivalsPerHour / 4);
}
