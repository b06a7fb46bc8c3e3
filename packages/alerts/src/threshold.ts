import { metricInfo, type MetricName } from './metrics.js';

/** A threshold: an absolute value, or a multiple of the queue's SL target (`{ ofTarget: 0.6 }` = 60 % of target). */
export type Threshold = number | { ofTarget: number };

/** How a sample is compared with a threshold; `<` rules fire on low values, `>` rules on high ones. */
export const COMPARATORS = ['<', '<=', '>', '>='] as const;

/** One comparator. */
export type Comparator = (typeof COMPARATORS)[number];

/**
 * The threshold's value for one queue. `ofTarget` multiplies the queue's SL target, and the result is
 * clamped into the metric's range, so `{ ofTarget: 1.02 }` on a 100 % target is 1, not an unreachable 1.02
 * that would keep a `<` alert from ever clearing.
 *
 * @param threshold - from the rule
 * @param metric - the rule's metric, whose range bounds the result
 * @param slTarget - the queue's SL target, a fraction in (0, 1]
 */
export function resolveThreshold(threshold: Threshold, metric: MetricName, slTarget: number): number {
  if (typeof threshold === 'number') return threshold;
  const info = metricInfo(metric);
  return Math.min(info.max, Math.max(info.min, threshold.ofTarget * slTarget));
}

/** `value comparator threshold`, e.g. `compare(0.7, '<', 0.8)` is true. */
export function compare(value: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
  }
}

/** Whether the comparator fires on low values (`<`, `<=`), where clear must sit at or above fire. */
export function firesLow(comparator: Comparator): boolean {
  return comparator === '<' || comparator === '<=';
}
