import { expect } from 'vitest';
import type { CanonicalEvent } from '@callboard/events';
import { splitLate } from '@callboard/kpi';
import type { WindowStore } from '@callboard/windows';
import type { HeldRecord } from './infra.js';
import { compareWithOracle, readInstantWithTraffic } from './live-vs-oracle.js';
import { queueConfig, type SimulatedRun } from './pipeline.js';

const MIN = 60_000;
const GRACE_MS = 120 * MIN;
const RUN_MS = 70 * MIN;

/** 5 % duplicates, 5 % reordering within 10 min, 1 % corrupt records. */
export const FAULTS = { duplicates: 0.05, reorder: 0.05, reorderWindowMs: 10 * MIN, corrupt: 0.01 };

/**
 * 70 simulated minutes over 6 queues that end at the test's now, as a live floor does: calls
 * still wait and agents are still on calls at the end, and every window of every queue holds traffic.
 */
export function runToNow(): { start: number; durationMs: number; endAt: number } {
  const endAt = Math.floor(Date.now() / 1000) * 1000;
  return { start: endAt - RUN_MS, durationMs: RUN_MS, endAt };
}

function wholeRun(events: CanonicalEvent[]): { from: number; to: number } {
  const times = events.map((e) => Date.parse(e.occurredAt));
  return { from: Math.min(...times), to: Math.max(...times) + 1 };
}

/** The valid events of `held`, one list per partition in offset order: what the aggregator was delivered. */
export function heldDeliveries(held: readonly HeldRecord[]): CanonicalEvent[][] {
  const partitions = new Map<string, CanonicalEvent[]>();
  for (const r of held) {
    if (!r.event) continue;
    const key = `${r.topic}/${r.partition}`;
    const list = partitions.get(key) ?? [];
    list.push(r.event);
    partitions.set(key, list);
  }
  return [...partitions.values()];
}

/** What one list of events holds beyond another, copies counted: by `eventId`, as many times as it is in excess. */
export function excessCopies(of: readonly CanonicalEvent[], over: readonly CanonicalEvent[]): CanonicalEvent[] {
  const left = new Map<string, number>();
  for (const e of over) left.set(e.eventId, (left.get(e.eventId) ?? 0) + 1);
  return of.filter((e) => {
    const n = left.get(e.eventId) ?? 0;
    left.set(e.eventId, n - 1);
    return n <= 0;
  });
}

/**
 * Every window of every queue read at an instant inside the traffic, counters and ratios, the live
 * state and the stats, equal the oracle over what was delivered; and none of it is empty. What was
 * delivered is `held` when given (the topics read back per partition, {@link heldDeliveries}): a
 * producer retry can write a record twice, a legitimate at-least-once input the store must count
 * as the oracle does (DESIGN §5); otherwise what the run sent.
 */
export async function expectLiveEqualsOracle(store: WindowStore, run: SimulatedRun, endAt: number, held?: readonly (readonly CanonicalEvent[])[]): Promise<void> {
  // Replayed as one sequence, no delivery is late; a partition's watermark never passes that of the
  // whole sequence, so none is late on its partition either, and the store must count none (DESIGN §4).
  const { onTime, late } = splitLate(held ?? [run.delivered], { graceMs: GRACE_MS });
  expect(late).toEqual([]);
  const atMs = readInstantWithTraffic(onTime, endAt);
  const { mismatches, compared, emptyWindows, expectedLive } = await compareWithOracle(store, onTime, { atMs, range: wholeRun(onTime), late });
  expect(compared).toBe(6 * 7);
  expect(emptyWindows).toEqual([]);
  expect(mismatches).toEqual([]);
  // The live state compared is a working floor, not an empty one.
  const live = [...expectedLive.values()];
  expect(live.reduce((n, l) => n + l.agentsAvailable + l.agentsOnCall + l.agentsWrapUp, 0)).toBeGreaterThan(0);
  // Duplicates were delivered, seen and skipped, and counted the oracle's way.
  const stats = await Promise.all(queueConfig.namedQueues().map((q) => store.queueStats(q.tenantId, q.queueId)));
  expect(stats.reduce((n, s) => n + s.duplicates, 0)).toBeGreaterThan(0);
}
