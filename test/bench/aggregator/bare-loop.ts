import { createEventConsumer, Registry, type Redis } from '@callboard/runtime';
import { BatchProbe } from './batch-probe.js';
import { startCpuProfile } from './cpu-profiler.js';
import { meterResources, topProcesses } from './resource-meter.js';
import { groupIdFor, throughput, type RunContext, type Throughput } from './run-context.js';

/**
 * The baseline of DESIGN §9: the aggregator's own consumer (same client, same settings, same decode
 * and validation, same commit after every batch) with a handler that discards the batch.
 */
export async function runBareLoop(ctx: RunContext, redis: Redis): Promise<Throughput> {
  const { stack } = ctx;
  const probe = new BatchProbe(ctx.ends);
  const groupId = groupIdFor(ctx, 'bare');
  let decoded = 0;
  const consumer = createEventConsumer({
    kafka: probe.wrap(stack.kafka),
    codec: stack.codec,
    logger: stack.logger,
    metrics: new Registry(),
    service: 'bench-bare',
    groupId,
    topics: [stack.topology.callEvents.name, stack.topology.agentEvents.name],
    fromBeginning: true,
    partitionsConsumedConcurrently: ctx.concurrency,
    handleBatch: async (batch) => {
      decoded += batch.events.length;
    },
  });
  const stopMeter = await meterResources(redis);
  const stopProfile = await startCpuProfile(ctx.profileDir, 'bare');
  try {
    await consumer.start();
    await probe.untilComplete();
    const end = await probe.finish(ctx.admin, groupId);
    const use = await stopMeter();
    const profile = await stopProfile();
    const result = throughput('bare consume + decode + discard', ctx.records, probe.firstBatchAt!, end, probe.batches);
    result.details = {
      'events decoded': decoded,
      'eachBatch time, summed (ms)': Math.round(probe.batchMs),
      'commit time, summed (ms)': Math.round(probe.commitMs),
      'node CPU (s)': Number(use.nodeCpuS.toFixed(1)),
      'machine busy (% of all cores)': Math.round(use.machineBusyPct),
      'CPU by process': topProcesses(use),
    };
    if (profile) result.details = { ...result.details, 'cpu profile': profile };
    return result;
  } finally {
    await consumer.close();
  }
}
