import { AGGREGATOR_DEFAULTS } from '@callboard/aggregator';
import { createEventConsumer, Registry, type Redis } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { queueConfig } from '../../helpers/pipeline.js';
import { BatchProbe } from './batch-probe.js';
import { startCpuProfile } from './cpu-profiler.js';
import { meterResources, topProcesses } from './resource-meter.js';
import { groupIdFor, throughput, type RunContext, type Throughput } from './run-context.js';

/**
 * The naive variant of DESIGN §9: the same consumer and decode path, the same store and script, but
 * one Redis round trip per event (a one-event batch each). It stops after `cap` events and is
 * measured over them, from the first batch to the cap-th applied event.
 */
export async function runNaive(ctx: RunContext, redis: Redis, namespace: string, cap: number): Promise<Throughput> {
  const { stack } = ctx;
  const probe = new BatchProbe(ctx.ends);
  const groupId = groupIdFor(ctx, 'naive');
  const store = new WindowStore(redis, { namespace, graceMs: AGGREGATOR_DEFAULTS.CB_GRACE_MS });
  const settingsFor = (tenantId: string, queueId: string) => queueConfig.resolve(tenantId, queueId);
  let applied = 0;
  let reachedAt: number | undefined;
  let reached!: () => void;
  const capReached = new Promise<void>((resolve) => (reached = resolve));
  const consumer = createEventConsumer({
    kafka: probe.wrap(stack.kafka),
    codec: stack.codec,
    logger: stack.logger,
    metrics: new Registry(),
    service: 'bench-naive',
    groupId,
    topics: [stack.topology.callEvents.name, stack.topology.agentEvents.name],
    fromBeginning: true,
    partitionsConsumedConcurrently: ctx.concurrency,
    handleBatch: async (batch) => {
      for (const e of batch.events) {
        if (applied >= cap) return;
        await store.applyBatch({ group: groupId, topic: batch.topic, partition: batch.partition, events: [e], lastOffset: e.offset, settingsFor, nowMs: Date.now() });
        applied += 1;
        if (applied === cap && reachedAt === undefined) {
          // Two partitions run at once, so one more event may land after this: it is not counted.
          reachedAt = performance.now();
          reached();
        }
      }
    },
  });
  const stopMeter = await meterResources(redis);
  const stopProfile = await startCpuProfile(ctx.profileDir, 'naive');
  try {
    await consumer.start();
    await Promise.race([capReached, probe.untilComplete()]);
    const end = reachedAt ?? (await probe.finish(ctx.admin, groupId));
    const use = await stopMeter();
    const profile = await stopProfile();
    const measured = Math.min(applied, cap);
    const result = throughput('naive (one Redis round trip per event)', measured, probe.firstBatchAt!, end, probe.batches);
    if (measured < ctx.records) result.note = `measured over the first ${measured.toLocaleString('en-US')} of ${ctx.records.toLocaleString('en-US')} events applied, then stopped`;
    result.details = {
      'script calls': use.scriptCalls,
      'Lua time in Redis (ms)': Math.round(use.scriptS * 1000),
      'node CPU (s)': Number(use.nodeCpuS.toFixed(1)),
      'redis CPU (s)': Number(use.redisCpuS.toFixed(1)),
      'redis CPU per event (µs)': Number(((1e6 * use.redisCpuS) / measured).toFixed(1)),
      'Lua time per event (µs)': Number(((1e6 * use.scriptS) / measured).toFixed(1)),
      'machine busy (% of all cores)': Math.round(use.machineBusyPct),
      'CPU by process': topProcesses(use),
    };
    result.redisUsPerEvent = (1e6 * use.redisCpuS) / measured;
    if (profile) result.details = { ...result.details, 'cpu profile': profile };
    return result;
  } finally {
    probe.dispose();
    await consumer.close();
  }
}
