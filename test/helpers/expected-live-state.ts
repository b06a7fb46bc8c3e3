import { type CanonicalEvent, isCallEvent, occurredAtMs } from '@callboard/events';
import { applyToVisit, visitKey, type VisitState } from '@callboard/kpi';
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
 * - A visit waits when the state machine (`applyToVisit`, run in event-time order after dedupe by
 *   `eventId`, as the oracle does) applied its offer and no answer, abandon or flow-out; it waits
 *   since the offer's `occurredAt`. A wait older than `maxWaitingAgeMs` is assumed lost (the store's
 *   rule) and not counted.
 * - An agent is in the state of its latest event by (`occurredAt`, `eventId`), the store's
 *   last-writer-wins rule, and counts for every queue in that event's `queueIds`.
 *
 * @param events - canonical events as delivered, in any order, duplicates included
 * @param nowMs - the read instant
 * @param maxWaitingAgeMs - the store's `maxWaitingAgeMs` (default 4 h)
 * @returns the live view per `tenantId/queueId`, for every queue a call event or an agent names
 */
export function expectedLiveState(events: readonly CanonicalEvent[], nowMs: number, maxWaitingAgeMs = 4 * 3600_000): Map<string, LiveView> {
  const order = events.map((e, i) => ({ e, t: occurredAtMs(e), i })).sort((a, b) => a.t - b.t || a.i - b.i);
  const seen = new Set<string>();
  const visits = new Map<string, { state: VisitState; queue: string; offeredAt?: number }>();
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

  for (const { e, t } of order) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    if (!isCallEvent(e)) {
      const current = agents.get(`${e.tenantId}/${e.agentId}`);
      if (!current || current.t < t || (current.t === t && current.eventId < e.eventId)) {
        agents.set(`${e.tenantId}/${e.agentId}`, { t, eventId: e.eventId, state: e.state, queues: e.queueIds.map((q) => `${e.tenantId}/${q}`) });
      }
      continue;
    }
    const key = visitKey(e);
    const visit = visits.get(key) ?? { state: {}, queue: `${e.tenantId}/${e.queueId}` };
    const { state, verdict } = applyToVisit(visit.state, e);
    visits.set(key, { ...visit, state, ...(verdict === 'applied' && e.type === 'call.offered' ? { offeredAt: t } : {}) });
    view(visit.queue);
  }

  const oldest = new Map<string, number>();
  for (const visit of visits.values()) {
    if (visit.offeredAt === undefined || visit.state.outcome !== undefined || visit.offeredAt < nowMs - maxWaitingAgeMs) continue;
    view(visit.queue).callsWaiting += 1;
    oldest.set(visit.queue, Math.min(oldest.get(visit.queue) ?? Infinity, visit.offeredAt));
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
