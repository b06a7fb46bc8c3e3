import { CallboardError } from '@callboard/errors';
import { occurredAtMs, type CanonicalEvent } from '@callboard/events';
import { simulate, type SimulateOptions } from './engine.js';
import { injectFaults, type FaultOptions } from './faults.js';
import type { EventSink } from './sinks.js';
import { StatsCollector, type SimulationStats } from './stats.js';
import { cleanItem } from './stream-item.js';

/** A run of the simulator into sinks. */
export interface RunSimulationOptions extends SimulateOptions {
  sinks: {
    /** Receive the fault-injected stream (what Kafka would carry from a flaky PBX). */
    faulty?: readonly EventSink[];
    /** Receives the clean stream, the ground truth the live KPIs must equal. */
    truth?: EventSink;
  };
  /** Faults for the faulty sinks; none by default. `seed` defaults to the traffic seed. */
  faults?: Omit<FaultOptions, 'seed'> & { seed?: number };
  /**
   * Simulated ms per wall-clock ms: 1 is real time, 60 plays an hour in a minute. Without it the
   * run goes as fast as the sinks accept records.
   */
  speed?: number;
  /**
   * The wall-clock instant that simulated `start` is paced against; default: when the run begins.
   * An earlier instant plays the backlog at full speed first (a backfill), then paces.
   */
  wallStart?: number;
  /** Wall clock, injectable for tests. */
  now?: () => number;
  /** Waits, injectable for tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Stops the run early (e.g. on SIGTERM); the sinks are still closed and the stats returned. */
  signal?: AbortSignal;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Drives the engine: clean events go to `truth`, the fault-injected stream to every `faulty` sink,
 * both in emission order. With `speed`, emission is paced so simulated time advances `speed` times
 * as fast as the wall clock. Every sink is closed when the run ends, however it ends.
 *
 * Note: with `speed` above 1 and `start` at the wall clock, `occurredAt` runs ahead of real time, and
 * a consumer rejects events more than its allowed skew ahead (DESIGN §4). Start in the past then.
 *
 * @returns totals of the clean stream and of the faulty one.
 * @throws CallboardError `CB_CONFIG_INVALID` for a bad config, scenario, fault options or speed.
 */
export async function runSimulation(options: RunSimulationOptions): Promise<SimulationStats> {
  const { speed, signal } = options;
  if (speed !== undefined && !(speed > 0 && Number.isFinite(speed))) {
    throw new CallboardError('CB_CONFIG_INVALID', `speed must be a positive finite number, got ${speed}`);
  }
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const faultySinks = options.sinks.faulty ?? [];
  const truth = options.sinks.truth;
  const stats = new StatsCollector();
  const began = now();
  const wallStart = options.wallStart ?? began;

  // The clean stream is tapped on its way into the fault injector, then written interleaved with
  // the faulty records by time, so both sinks advance together.
  const pendingTruth: CanonicalEvent[] = [];
  let truthIndex = 0;
  function* tap(events: Iterable<CanonicalEvent>): Generator<CanonicalEvent> {
    for (const event of events) {
      pendingTruth.push(event);
      yield event;
    }
  }
  async function pace(simMs: number): Promise<void> {
    if (speed === undefined) return;
    const delay = wallStart + (simMs - options.start) / speed - now();
    if (delay >= 1) await sleep(delay, signal);
  }

  async function writeTruthUpTo(emitAt: number): Promise<void> {
    while (truthIndex < pendingTruth.length) {
      const event = pendingTruth[truthIndex] as CanonicalEvent;
      if (occurredAtMs(event) > emitAt) break;
      truthIndex += 1;
      await pace(occurredAtMs(event));
      if (signal?.aborted) return;
      stats.event(event);
      if (truth) await truth.write(cleanItem(event));
    }
    if (truthIndex > 4096) {
      pendingTruth.splice(0, truthIndex);
      truthIndex = 0;
    }
  }

  let failure: unknown;
  try {
    const faulty = injectFaults(tap(simulate(options)), { ...options.faults, seed: options.faults?.seed ?? options.seed });
    for (const item of faulty) {
      if (signal?.aborted) break;
      await writeTruthUpTo(item.emitAt);
      await pace(item.emitAt);
      if (signal?.aborted) break;
      stats.faulty(item);
      await Promise.all(faultySinks.map((sink) => sink.write(item)));
    }
    if (!signal?.aborted) await writeTruthUpTo(Infinity);
  } catch (err) {
    failure = err;
  }
  const closing = await Promise.allSettled([...(truth ? [truth.close()] : []), ...faultySinks.map((sink) => sink.close())]);
  if (failure !== undefined) throw failure;
  const closeError = closing.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (closeError) throw closeError.reason;
  return stats.result(now() - began);
}
