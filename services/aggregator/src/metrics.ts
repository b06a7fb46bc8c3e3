import { Counter, Histogram, type Registry } from '@callboard/runtime';

export interface AggregatorMetrics {
  events: Counter<'result'>;
  scriptSeconds: Histogram;
  snapshots: Counter;
  snapshotSeconds: Histogram;
  latePublished: Counter;
  replays: Counter<'topic'>;
}

/** The aggregator's own metrics; consumer lag, batch time and DLQ counts come from the event consumer. */
export function createAggregatorMetrics(registry: Registry): AggregatorMetrics {
  return {
    events: new Counter({
      name: 'callboard_aggregator_events_total',
      help: 'Valid events by what the store did with them: applied, duplicate, anomaly, late, redelivered.',
      labelNames: ['result'],
      registers: [registry],
    }),
    scriptSeconds: new Histogram({
      name: 'callboard_aggregator_redis_script_seconds',
      help: 'Time of one apply-batch script call.',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    snapshots: new Counter({ name: 'callboard_aggregator_snapshots_total', help: 'KPI snapshots published to cc.kpi.v1.', registers: [registry] }),
    snapshotSeconds: new Histogram({
      name: 'callboard_aggregator_snapshot_tick_seconds',
      help: 'Time to read and publish every active queue once.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    latePublished: new Counter({ name: 'callboard_aggregator_late_published_total', help: 'Late events published to cc.late.v1.', registers: [registry] }),
    replays: new Counter({
      name: 'callboard_aggregator_replays_total',
      help: 'Partitions sent back to replay because a queue held another applied offset than expected (a Redis failover lost writes, or another instance applied).',
      labelNames: ['topic'],
      registers: [registry],
    }),
  };
}
