import type { KpiView } from '@callboard/windows';
import { sampleMetric } from './metrics.js';
import type { Rule } from './rule.js';
import type { Sample } from './state-machine.js';

/**
 * The queue an alert on a snapshot is filed under: the snapshot's queue, or `*` for the tenant-total
 * snapshot (`queueId: null`, whose Kafka key is `<tenantId>/*`).
 */
export function snapshotQueueId(view: Pick<KpiView, 'queueId'>): string {
  return view.queueId ?? '*';
}

/**
 * The sample `evaluate` needs for one rule on one queue's snapshot: the metric read from the rule's
 * window, with the queue's identity and SL target. Keep the last sample per queue: evaluating it
 * again on a wall-clock tick is how `forMs` elapses between snapshots.
 */
export function sampleRule(view: KpiView, rule: Pick<Rule, 'metric' | 'window'>): Sample {
  const reading = sampleMetric(view, rule.metric, rule.window);
  return { tenantId: view.tenantId, queueId: snapshotQueueId(view), value: reading.value, volume: reading.volume, slTarget: view.slTarget };
}
