import { type CanonicalEvent, isAgentEvent, isCallEvent, occurredAtMs } from '@callboard/events';
import { compareCodePoints, resolveVisit, type TimedCallEvent, visitKey } from '@callboard/kpi';
import type { QueueView } from '@callboard/windows';

/** The live part of a queue view: what the store's `liveState` reports, flattened like `readQueueView`. */
export type LiveView = QueueView['live'];

type AgentState = 'logged_out' | 'available' | 'on_call' | 'wrap_up' | 'away';
type AgentField = 'agentsLoggedOut' | 'agentsAvailable' | 'agentsOnCall' | 'agentsWrapUp' | 'agentsAway';
const AGENT_FIELD: Record<AgentState, AgentField> = {
  logged_out: 'agentsLoggedOut',
  available: 'agentsAvailable',
  on_call: 'agentsOnCall',
  wrap_up: 'agentsWrapUp',
  away: 'agentsAway',
};

/**
 * The live state (DESIGN §3 "Live state") every queue should show at `nowMs` once every event of
 * `events` has been applied, computed offline from the list alone, so an e2e test can hold the
 * store's `liveState` to it.
 *
 * - A visit waits when the oracle's judgement of it (`resolveVisit` over its distinct events,
 *   decision 0006) says so: an applied offer and neither an outcome nor a completion; it waits since
 *   the offer's `occurredAt`. A wait older than `maxWaitingAgeMs` is assumed lost (the store's rule)
 *   and not counted.
 * - An agent is in the state of its latest event by (`occurredAt`, then `eventId` in code-point
 *   order), the store's last-writer-wins rule, and counts for every queue in that event's `queueIds`.
 *
 * @param events - canonical events as delivered, in any order, duplicates included
 * @param nowMs - the read instant
 * @param maxWaitingAgeMs - the store's `maxWaitingAgeMs` (default 4 h)
 * @returns the live view per `tenantId/queueId`, for every queue a call event or an agent names
 */
export function expectedLiveState(events: readonly CanonicalEvent[], nowMs: number, maxWaitingAgeMs = 4 * 3600_000): Map<string, LiveView> {
  const visits = new Map<string, { queue: string; events: Map<string, TimedCallEvent> }>();
  const agents = new Map<string, { t: number; eventId: string; state: AgentState; queues: string[] }>();
  const views = new Map<string, LiveView>();
  const view = (queue: string): LiveView => {
    let v = views.get(queue);
    if (!v) {
      v = { callsWaiting: 0, longestWaitingMs: null, agentsLoggedOut: 0, agentsAvailable: 0, agentsOnCall: 0, agentsWrapUp: 0, agentsAway: 0, occupancy: null };
      views.set(queue, v);
    }
    return v;
  };

  for (const e of events) {
    const t = occurredAtMs(e);
    if (isAgentEvent(e)) {
      const current = agents.get(`${e.tenantId}/${e.agentId}`);
      if (!current || current.t < t || (current.t === t && compareCodePoints(current.eventId, e.eventId) < 0)) {
        agents.set(`${e.tenantId}/${e.agentId}`, { t, eventId: e.eventId, state: e.state, queues: e.queueIds.map((q) => `${e.tenantId}/${q}`) });
      }
      continue;
    }
    if (!isCallEvent(e)) continue;
    const key = visitKey(e);
    const visit = visits.get(key) ?? { queue: `${e.tenantId}/${e.queueId}`, events: new Map<string, TimedCallEvent>() };
    // Copies of one event are the same event: the first is kept.
    if (!visit.events.has(e.eventId)) visit.events.set(e.eventId, { event: e, ms: t });
    visits.set(key, visit);
    view(visit.queue);
  }

  const oldest = new Map<string, number>();
  for (const visit of visits.values()) {
    const since = resolveVisit([...visit.events.values()]).waitingSinceMs;
    if (since === undefined || since < nowMs - maxWaitingAgeMs) continue;
    view(visit.queue).callsWaiting += 1;
    oldest.set(visit.queue, Math.min(oldest.get(visit.queue) ?? Infinity, since));
  }
  for (const [queue, since] of oldest) view(queue).longestWaitingMs = Math.max(0, nowMs - since);
  for (const agent of agents.values()) {
    for (const queue of agent.queues) view(queue)[AGENT_FIELD[agent.state]] += 1;
  }
  for (const v of views.values()) {
    const busy = v.agentsOnCall + v.agentsWrapUp;
    v.occupancy = busy + v.agentsAvailable > 0 ? busy / (busy + v.agentsAvailable) : null;
  }
  return views;
}
