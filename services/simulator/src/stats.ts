import { EVENT_TYPES, occurredAtMs, type CanonicalEvent, type EventType } from '@callboard/events';
import type { StreamItem } from './stream-item.js';

/** DESIGN §3 defaults, used only for the summary a run prints; the KPI package owns the real math. */
const SL_THRESHOLD_MS = 20_000;
const SHORT_ABANDON_MS = 5_000;

/** What a run produced. Call counts are per visit: an overflowed call counts in both queues. */
export interface SimulationStats {
  /** Clean (ground-truth) events. */
  events: number;
  eventsByType: Record<EventType, number>;
  calls: {
    offered: number;
    answered: number;
    answeredWithinSl: number;
    abandoned: number;
    abandonedShort: number;
    flowedOut: number;
    flowedOutByReason: Record<string, number>;
    completed: number;
  };
  /** Records handed to the faulty sinks. */
  faults: { items: number; duplicates: number; reordered: number; corrupt: number };
  firstEventAt: string | undefined;
  lastEventAt: string | undefined;
  /** Wall-clock duration of the run. */
  wallMs: number;
}

/** Accumulates {@link SimulationStats} from a clean stream and a faulty one. */
export class StatsCollector {
  private readonly stats: SimulationStats = {
    events: 0,
    eventsByType: Object.fromEntries(EVENT_TYPES.map((t) => [t, 0])) as Record<EventType, number>,
    calls: { offered: 0, answered: 0, answeredWithinSl: 0, abandoned: 0, abandonedShort: 0, flowedOut: 0, flowedOutByReason: {}, completed: 0 },
    faults: { items: 0, duplicates: 0, reordered: 0, corrupt: 0 },
    firstEventAt: undefined,
    lastEventAt: undefined,
    wallMs: 0,
  };
  private lastMs = -Infinity;

  /** Counts one clean event. */
  event(event: CanonicalEvent): void {
    const s = this.stats;
    s.events += 1;
    s.eventsByType[event.type] += 1;
    s.firstEventAt ??= event.occurredAt;
    const ms = occurredAtMs(event);
    if (ms >= this.lastMs) {
      this.lastMs = ms;
      s.lastEventAt = event.occurredAt;
    }
    switch (event.type) {
      case 'call.offered':
        s.calls.offered += 1;
        break;
      case 'call.answered':
        s.calls.answered += 1;
        if (event.waitMs <= SL_THRESHOLD_MS) s.calls.answeredWithinSl += 1;
        break;
      case 'call.abandoned':
        s.calls.abandoned += 1;
        if (event.waitMs < SHORT_ABANDON_MS) s.calls.abandonedShort += 1;
        break;
      case 'call.flowed_out':
        s.calls.flowedOut += 1;
        s.calls.flowedOutByReason[event.reason] = (s.calls.flowedOutByReason[event.reason] ?? 0) + 1;
        break;
      case 'call.completed':
        s.calls.completed += 1;
        break;
      case 'agent.state_changed':
        break;
    }
  }

  /** Counts one record of the faulty stream. */
  faulty(item: StreamItem): void {
    const f = this.stats.faults;
    f.items += 1;
    if (item.kind === 'corrupt') f.corrupt += 1;
    else if (item.duplicate) f.duplicates += 1;
    else if (item.delayedMs > 0) f.reordered += 1;
  }

  /** A copy of the totals so far. */
  result(wallMs: number): SimulationStats {
    return structuredClone({ ...this.stats, wallMs });
  }
}
