import { mmss, npsText, per10k, percent, percent1 } from './format.js';
import { t, type Language, type LabelKey } from './i18n.js';

/** How a metric's values read; the same names as `MetricUnit` in packages/alerts/src/metrics.ts. */
export type MetricUnit = 'ratio' | 'ms' | 'count' | 'flag' | 'agents' | 'per10k' | 'nps';

/**
 * Every metric an alert rule may use (`METRICS` in packages/alerts/src/metrics.ts) and its unit. The
 * wallboard is a browser bundle, so it keeps its own copy instead of importing the rules package; a
 * test keeps the names and units equal to `metricInfo()`'s.
 */
export const METRIC_UNITS = {
  'sl.primary': 'ratio',
  'sl.negativeAbandon': 'ratio',
  'sl.ignoreShortAbandon': 'ratio',
  'sl.positiveAbandon': 'ratio',
  'sl.abandonAfterSlOnly': 'ratio',
  'sl.handledOnly': 'ratio',
  answerRate: 'ratio',
  abandonRate: 'ratio',
  asaMs: 'ms',
  avgAbandonWaitMs: 'ms',
  ahtMs: 'ms',
  avgTalkMs: 'ms',
  transferRate: 'ratio',
  fcrRate: 'ratio',
  'outbound.connectRate': 'ratio',
  'outbound.successRate': 'ratio',
  avgFirstResponseMs: 'ms',
  firstResponseWithinTarget: 'ratio',
  complaintsPer10k: 'per10k',
  complaintResponseOnTimeRate: 'ratio',
  csatRate: 'ratio',
  nps: 'nps',
  fcrRepeatRate: 'ratio',
  'live.callsWaiting': 'count',
  'live.longestWaitingMs': 'ms',
  'live.agentsAvailable': 'count',
  'live.occupancy': 'ratio',
  'live.waitingWithNoAgent': 'flag',
  'live.complaintsOpen': 'count',
  'live.complaintsOverdue': 'count',
  'live.oldestOpenComplaintAgeMs': 'ms',
  'planning.projectedSl': 'ratio',
  'planning.requiredAgentsGap': 'agents',
  'source.silent': 'flag',
  'source.newestEventAgeMs': 'ms',
  'source.heartbeatAgeMs': 'ms',
} as const satisfies Record<string, MetricUnit>;

export type AlertMetric = keyof typeof METRIC_UNITS;

/**
 * A complaint reminder's metric (`REMINDER_METRIC` of packages/alerts, issue 11 item 4): not a rule
 * metric, and its value is the time left until the complaint's response is due.
 */
export const REMINDER_METRIC = 'complaint.reminder';

/** Small rates where a tenth of a percent matters, shown like the tiles' abandon rate. */
const FINE_RATIOS: ReadonlySet<string> = new Set(['abandonRate', 'transferRate']);

export function isAlertMetric(metric: string | undefined): metric is AlertMetric {
  return metric !== undefined && Object.prototype.hasOwnProperty.call(METRIC_UNITS, metric);
}

/**
 * An alert's value in its metric's unit: `m:ss` for durations in ms (723 000 → "12:03"), a percentage
 * for ratios, a plain number for counts, a signed number of agents for the staffing gap, and nothing
 * for a 0/1 flag (its name says it all) or a metric the page does not know (no unit is better than
 * a wrong one: issue 8 item 14 showed `longest-wait 35635900%`).
 */
export function formatAlertValue(metric: string | undefined, value: number | null | undefined): string {
  // Time left before the due time; at or past it the reminder's name says it all.
  if (metric === REMINDER_METRIC) return typeof value === 'number' && Number.isFinite(value) && value > 0 ? mmss(value) : '';
  if (!isAlertMetric(metric) || value === null || value === undefined || !Number.isFinite(value)) return '';
  switch (METRIC_UNITS[metric]) {
    case 'ms':
      return mmss(value);
    case 'ratio':
      return FINE_RATIOS.has(metric) ? percent1(value) : percent(value);
    case 'count':
      return String(Math.round(value));
    case 'agents': {
      const n = Math.round(value);
      return n > 0 ? `+${n}` : String(n);
    }
    case 'per10k':
      return per10k(value);
    case 'nps':
      return npsText(value);
    case 'flag':
      return '';
  }
}

/**
 * The name the banner shows for an alert: its metric's translated name ("Longest wait" / "最长等待");
 * for a metric the page does not know, the rule's configured name, else its id.
 */
export function alertName(lang: Language, alert: { metric?: string | undefined; ruleName?: string | undefined; ruleId: string }): string {
  if (isAlertMetric(alert.metric)) return t(lang, `metric.${alert.metric}` as LabelKey);
  // A reminder rule's own name says which step it is ("urgent complaint, 5 minutes left").
  if (alert.metric === REMINDER_METRIC) return alert.ruleName ?? t(lang, 'metric.complaint.reminder');
  return alert.ruleName ?? alert.ruleId;
}
