import { occurredAtMs } from '@callboard/events';
import { createKafkaSink, DEFAULT_CONFIG_PATH, loadSimulatorConfig, runSimulation, simulate, type EventSink, type SimulatorConfig } from '@callboard/simulator';
import type { TestStack } from '../../helpers/infra.js';

const HOUR_MS = 3600_000;

export interface PrefillResult {
  events: number;
  callEvents: number;
  agentEvents: number;
  /** Offer times (one per visit) by `tenant/queue`: the visit rate the memory figures use. */
  offeredByQueue: Map<string, number[]>;
  firstEventAt: number;
  lastEventAt: number;
  wallMs: number;
}

/**
 * The shipped traffic with a flat profile and no weekend dip, so every simulated hour carries the
 * same volume whatever day the bench runs on.
 */
async function flatConfig(): Promise<SimulatorConfig> {
  const loaded = await loadSimulatorConfig(DEFAULT_CONFIG_PATH);
  return { ...loaded, tenants: loaded.tenants.map((t) => ({ ...t, profile: 'flat' as const, weekendFactor: 1 })) };
}

/** Events per simulated ms, from a short sample run (a few hundred ms of CPU). */
function sampleRate(config: SimulatorConfig, seed: number): number {
  const sampleMs = 6 * HOUR_MS;
  return Array.from(simulate({ config, seed, start: Date.UTC(2025, 0, 6), durationMs: sampleMs, drain: false })).length / sampleMs;
}

/**
 * Produces exactly `count` simulated events, in time order and without faults, to the stack's event
 * topics as Avro. The simulated span ends an hour before now, so no event is ahead of the wall clock
 * (DESIGN §4 max skew), and in-order production means no event is late against its partition's
 * watermark. A few batched sends of `batchSize` records each keep this well under the consume time.
 */
export async function prefill(stack: TestStack, count: number, seed: number, batchSize = 5000): Promise<PrefillResult> {
  const config = await flatConfig();
  const rate = sampleRate(config, seed);
  // 10 % headroom over the estimate; the run is cut at exactly `count` events.
  const durationMs = Math.ceil((count / rate) * 1.1 / HOUR_MS) * HOUR_MS;
  const end = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
  const start = end - durationMs;

  const producer = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const kafkaSink = createKafkaSink({ producer, codec: stack.codec, batchSize, lingerMs: 50 });
  const stop = new AbortController();
  const result: PrefillResult = { events: 0, callEvents: 0, agentEvents: 0, offeredByQueue: new Map(), firstEventAt: Infinity, lastEventAt: -Infinity, wallMs: 0 };
  const counting: EventSink = {
    async write(item) {
      if (result.events >= count) return;
      const e = item.event;
      result.events += 1;
      if (e.type === 'agent.state_changed') result.agentEvents += 1;
      else result.callEvents += 1;
      if (e.type === 'call.offered') {
        const q = `${e.tenantId}/${e.queueId}`;
        const times = result.offeredByQueue.get(q) ?? [];
        times.push(occurredAtMs(e));
        result.offeredByQueue.set(q, times);
      }
      const t = occurredAtMs(e);
      if (t < result.firstEventAt) result.firstEventAt = t;
      if (t > result.lastEventAt) result.lastEventAt = t;
      await kafkaSink.write(item);
      if (result.events >= count) stop.abort();
    },
    close: () => kafkaSink.close(),
  };
  const began = performance.now();
  try {
    await runSimulation({ config, seed, start, durationMs, sinks: { faulty: [counting] }, signal: stop.signal });
  } finally {
    await producer.disconnect();
  }
  result.wallMs = performance.now() - began;
  return result;
}
