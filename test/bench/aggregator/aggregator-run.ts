import { AGGREGATOR_DEFAULTS, createAggregator } from '@callboard/aggregator';
import { Registry, type Redis } from '@callboard/runtime';
import { WindowStore, type ApplyBatchInput, type ApplyBatchResult } from '@callboard/windows';
import { queueConfig } from '../../helpers/pipeline.js';
import { BatchProbe } from './batch-probe.js';
import { startCpuProfile } from './cpu-profiler.js';
import { meterResources, topProcesses } from './resource-meter.js';
import { groupIdFor, throughput, type RunContext, type Throughput } from './run-context.js';

/** The store as the aggregator uses it, with the time of each apply-batch call summed on the side. */
export class TimedWindowStore extends WindowStore {
  applyMs = 0;
  applyCalls = 0;

  override async applyBatch(input: ApplyBatchInput): Promise<ApplyBatchResult> {
    const began = performance.now();
    try {
      return await super.applyBatch(input);
    } finally {
      this.applyMs += performance.now() - began;
      this.applyCalls += 1;
    }
  }
}

async function counterValues(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = registry.getSingleMetric(name);
  const out: Record<string, number> = {};
  if (!metric) return out;
  for (const v of (await metric.get()).values) out[String(v.labels.result ?? '')] = v.value;
  return out;
}

/**
 * The aggregator exactly as `services/aggregator` wires it (production defaults for grace, skew,
 * snapshot tick and partition concurrency), over the pre-filled topics with a fresh group and a fresh
 * Redis namespace. The rate counts every record, from the first batch to everything committed.
 */
export async function runAggregator(ctx: RunContext, redis: Redis, namespace: string): Promise<{ result: Throughput; store: WindowStore }> {
  const { stack } = ctx;
  const probe = new BatchProbe(ctx.ends);
  const groupId = groupIdFor(ctx, 'aggregator');
  const store = new TimedWindowStore(redis, { namespace, graceMs: AGGREGATOR_DEFAULTS.CB_GRACE_MS });
  const metrics = new Registry();
  const aggregator = createAggregator({
    kafka: probe.wrap(stack.kafka),
    codec: stack.codec,
    store,
    queues: queueConfig,
    logger: stack.logger,
    metrics,
    groupId,
    graceMs: AGGREGATOR_DEFAULTS.CB_GRACE_MS,
    maxSkewMs: AGGREGATOR_DEFAULTS.CB_MAX_SKEW_MS,
    snapshotIntervalMs: AGGREGATOR_DEFAULTS.CB_SNAPSHOT_INTERVAL_MS,
    concurrency: ctx.concurrency,
    chunkSize: ctx.chunkSize,
  });
  const stopMeter = await meterResources(redis);
  const stopProfile = await startCpuProfile(ctx.profileDir, 'aggregator');
  try {
    await aggregator.start();
    await probe.untilComplete();
    const end = await probe.finish(ctx.admin, groupId);
    const use = await stopMeter();
    const profile = await stopProfile();
    const events = await counterValues(metrics, 'callboard_aggregator_events_total');
    const result = throughput(`aggregator (decode + apply in chunks of ${ctx.chunkSize} + commit)`, ctx.records, probe.firstBatchAt!, end, probe.batches);
    result.details = {
      ...Object.fromEntries(Object.entries(events).map(([k, v]) => [`events ${k}`, v])),
      'eachBatch time, summed (ms)': Math.round(probe.batchMs),
      'applyBatch time, summed (ms)': Math.round(store.applyMs),
      'applyBatch calls': store.applyCalls,
      'commit time, summed (ms)': Math.round(probe.commitMs),
      'Lua time in Redis (ms)': Math.round(use.scriptS * 1000),
      'node CPU (s)': Number(use.nodeCpuS.toFixed(1)),
      'redis CPU (s)': Number(use.redisCpuS.toFixed(1)),
      'redis CPU per event (µs)': Number(((1e6 * use.redisCpuS) / ctx.records).toFixed(1)),
      'Lua time per event (µs)': Number(((1e6 * use.scriptS) / ctx.records).toFixed(1)),
      'machine busy (% of all cores)': Math.round(use.machineBusyPct),
      'CPU by process': topProcesses(use),
    };
    result.redisUsPerEvent = (1e6 * use.redisCpuS) / ctx.records;
    if (profile) result.details = { ...result.details, 'cpu profile': profile };
    return { result, store };
  } finally {
    await aggregator.close();
  }
}
