import { isCallEvent, occurredAtMs, type CanonicalEvent } from '@callboard/events';
import type { SimulatorConfigInput } from '../src/index.js';

/** 2024-03-12 10:00 in Asia/Shanghai (a Tuesday): acme-telecom's morning peak. */
export const BUSY_START = Date.UTC(2024, 2, 12, 2, 0);
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

type QueueInput = SimulatorConfigInput['tenants'][number]['queues'][number];
type GroupInput = NonNullable<SimulatorConfigInput['tenants'][number]['agentGroups']>[number];

/** A voice queue with plain, fast-to-reason-about parameters; override what a test cares about. */
export function queue(queueId: string, overrides: Partial<QueueInput> = {}): QueueInput {
  return {
    queueId,
    channel: 'voice',
    baseCallsPerHour: 60,
    maxWaitMs: 300_000,
    talk: { medianMs: 120_000, sigma: 0.5 },
    wrap: { medianMs: 20_000, sigma: 0.3 },
    patience: { medianMs: 600_000, sigma: 0.5 },
    ...overrides,
  };
}

/** Agents on shift around the clock. */
export function group(count: number, skills: string[], overrides: Partial<GroupInput> = {}): GroupInput {
  return { count, skills, shift: { startHour: 0, endHour: 24 }, ...overrides };
}

/** A one-tenant config in UTC with a flat profile, so the arrival rate is exactly `baseCallsPerHour`. */
export function flatTenant(queues: QueueInput[], agentGroups: GroupInput[]): SimulatorConfigInput {
  return { tenants: [{ tenantId: 't1', timeZone: 'UTC', profile: 'flat', queues, agentGroups }] };
}

const OUTCOMES = new Set(['call.answered', 'call.abandoned', 'call.flowed_out']);

/** One visit of a call to a queue, as reconstructed from events. */
export interface VisitRecord {
  offered?: CanonicalEvent & { type: 'call.offered' };
  outcome?: CanonicalEvent & { type: 'call.answered' | 'call.abandoned' | 'call.flowed_out' };
  completed?: CanonicalEvent & { type: 'call.completed' };
}

/**
 * Groups call events into visits (tenant, call, queue) and returns them with every violation of
 * the per-visit rules of DESIGN §5 found on the way.
 */
export function collectVisits(events: Iterable<CanonicalEvent>): { visits: Map<string, VisitRecord>; problems: string[] } {
  const visits = new Map<string, VisitRecord>();
  const problems: string[] = [];
  for (const e of events) {
    if (!isCallEvent(e)) continue;
    const key = `${e.tenantId}|${e.callId}|${e.queueId}`;
    let v = visits.get(key);
    if (!v) visits.set(key, (v = {}));
    if (e.type === 'call.offered') {
      if (v.offered) problems.push(`${key}: offered twice`);
      v.offered = e;
    } else if (OUTCOMES.has(e.type)) {
      if (!v.offered) problems.push(`${key}: ${e.type} before offered`);
      if (v.outcome) problems.push(`${key}: ${e.type} after ${v.outcome.type}`);
      v.outcome = e as VisitRecord['outcome'];
      const waitMs = (e as { waitMs: number }).waitMs;
      if (v.offered && waitMs !== occurredAtMs(e) - occurredAtMs(v.offered)) problems.push(`${key}: waitMs ${waitMs} is not outcome time minus offer time`);
    } else if (e.type === 'call.completed') {
      if (v.outcome?.type !== 'call.answered') problems.push(`${key}: completed without answer`);
      else {
        if (v.outcome.agentId !== e.agentId) problems.push(`${key}: completed by another agent`);
        const handled = occurredAtMs(e) - occurredAtMs(v.outcome);
        if (handled !== e.talkMs + e.holdMs + e.wrapMs) problems.push(`${key}: completed ${handled} ms after answer, not talk+hold+wrap`);
      }
      if (v.completed) problems.push(`${key}: completed twice`);
      v.completed = e;
    }
  }
  return { visits, problems };
}

/**
 * Checks the agent state machine against the calls it handles; returns every violation. A call is
 * routed to an agent that is free (after `available`, `away` or `logged_out`, or straight from
 * `wrap_up`): the agent goes `on_call` with reason `ringing`, then `on_call` without a reason when
 * the caller is answered, then `wrap_up`; a caller who hangs up while it rings frees the agent.
 */
export function checkAgents(events: Iterable<CanonicalEvent>): string[] {
  const problems: string[] = [];
  const state = new Map<string, { state: string; reason?: string; callId?: string; at: number }>();
  const pendingAnswer = new Map<string, string>();
  const ringing = (s: { state: string; reason?: string } | undefined): boolean => s?.state === 'on_call' && s.reason === RINGING;
  for (const e of events) {
    const at = occurredAtMs(e);
    if (e.type === 'call.answered') {
      const s = state.get(e.agentId);
      if (!ringing(s)) problems.push(`${e.agentId}: answered ${e.callId} while ${s?.state ?? 'unknown'}/${s?.reason ?? ''}, not ringing`);
      pendingAnswer.set(e.agentId, e.callId);
    } else if (e.type === 'call.completed') {
      const s = state.get(e.agentId);
      if (s?.state !== 'wrap_up') problems.push(`${e.agentId}: completed ${e.callId} while ${s?.state ?? 'unknown'}`);
      if (s?.callId !== e.callId) problems.push(`${e.agentId}: completed ${e.callId} but was on ${s?.callId}`);
    } else if (e.type === 'agent.state_changed') {
      const prev = state.get(e.agentId);
      if (prev && prev.state === e.state && prev.reason === e.reason) problems.push(`${e.agentId}: repeated ${e.state}`);
      let callId = prev?.callId;
      const talking = prev?.state === 'on_call' && !ringing(prev);
      if (ringing(e)) {
        if (prev === undefined || talking) problems.push(`${e.agentId}: ringing after ${prev?.state ?? 'nothing'}`);
        callId = undefined;
      } else if (e.state === 'on_call') {
        if (!ringing(prev)) problems.push(`${e.agentId}: on_call after ${prev?.state ?? 'nothing'}, not ringing`);
        callId = pendingAnswer.get(e.agentId);
        if (!callId) problems.push(`${e.agentId}: on_call without call.answered`);
        pendingAnswer.delete(e.agentId);
      }
      if (e.state === 'wrap_up' && !talking) problems.push(`${e.agentId}: wrap_up after ${prev?.state ?? 'nothing'}/${prev?.reason ?? ''}`);
      if (talking && e.state !== 'wrap_up') problems.push(`${e.agentId}: ${e.state} straight after on_call`);
      state.set(e.agentId, { state: e.state, reason: e.reason, callId: e.state === 'on_call' || e.state === 'wrap_up' ? callId : undefined, at });
    }
  }
  return problems;
}

/** Events per type. */
export function countTypes(events: Iterable<CanonicalEvent>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) counts[e.type] = (counts[e.type] ?? 0) + 1;
  return counts;
}

/** Mean answered wait and abandon rate (abandoned / outcomes) of one tenant. */
export function serviceSummary(events: Iterable<CanonicalEvent>, tenantId: string): { outcomes: number; abandonRate: number; meanWaitMs: number; sl: number } {
  let answered = 0;
  let abandoned = 0;
  let flowed = 0;
  let wait = 0;
  let withinSl = 0;
  for (const e of events) {
    if (e.tenantId !== tenantId) continue;
    if (e.type === 'call.answered') {
      answered += 1;
      wait += e.waitMs;
      if (e.waitMs <= 20_000) withinSl += 1;
    } else if (e.type === 'call.abandoned') abandoned += 1;
    else if (e.type === 'call.flowed_out') flowed += 1;
  }
  const outcomes = answered + abandoned + flowed;
  return { outcomes, abandonRate: abandoned / outcomes, meanWaitMs: wait / answered, sl: withinSl / outcomes };
}

/** The reason an agent reserved for a ringing call is published with (`on_call`), as the engine does. */
export const RINGING = 'ringing';

/**
 * Replays the stream as a live view would and returns every instant at which a call waits in a queue
 * while an agent of that queue is `available` (issue 8 item 15). "Waiting" is what the live view
 * counts: offered and not yet answered, abandoned or flowed out. A call ringing an agent is still
 * counted there, so each agent published `on_call` with reason `ringing` accounts for one such call
 * in each of its queues; a queue with more waiting calls than that and an available agent is a
 * certain violation. Checked after the last event of each instant (events of one instant form one
 * step of the simulation). With `ringingCounts: false` a ringing call counts as waiting like any
 * other, the view of a wallboard, which shows calls waiting and agents available but not who rings.
 */
export function idleWhileWaiting(events: Iterable<CanonicalEvent>, options: { ringingCounts?: boolean } = {}): string[] {
  // With auto-answer (no ring time) a routed call is answered in the same instant: nothing rings.
  const ringingCounts = options.ringingCounts ?? true;
  const problems: string[] = [];
  const waiting = new Map<string, Set<string>>();
  const agents = new Map<string, { state: string; reason?: string; queueIds: string[] }>();
  let instant: number | undefined;
  const check = (): void => {
    for (const [key, calls] of waiting) {
      if (calls.size === 0) continue;
      const [tenantId, queueId] = key.split('|') as [string, string];
      let available = 0;
      let ringing = 0;
      for (const [agentKey, a] of agents) {
        if (!agentKey.startsWith(`${tenantId}|`) || !a.queueIds.includes(queueId)) continue;
        if (a.state === 'available') available += 1;
        else if (ringingCounts && a.state === 'on_call' && a.reason === RINGING) ringing += 1;
      }
      if (available > 0 && calls.size > ringing) {
        problems.push(`${new Date(instant ?? 0).toISOString()} ${key}: ${calls.size} waiting (${ringing} ringing) while ${available} available`);
      }
    }
  };
  for (const e of events) {
    const at = occurredAtMs(e);
    if (instant !== undefined && at !== instant) check();
    instant = at;
    if (e.type === 'agent.state_changed') {
      agents.set(`${e.tenantId}|${e.agentId}`, { state: e.state, reason: e.reason, queueIds: e.queueIds });
      continue;
    }
    if (!isCallEvent(e)) continue;
    const key = `${e.tenantId}|${e.queueId}`;
    if (e.type === 'call.offered') {
      if (!waiting.has(key)) waiting.set(key, new Set());
      waiting.get(key)?.add(e.callId);
    } else if (OUTCOMES.has(e.type)) waiting.get(key)?.delete(e.callId);
  }
  check();
  return problems;
}
