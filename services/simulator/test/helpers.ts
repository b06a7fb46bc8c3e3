import { occurredAtMs, type CanonicalEvent } from '@callboard/events';
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
    if (e.type === 'agent.state_changed') continue;
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

/** Checks the agent state machine against the calls it handles; returns every violation. */
export function checkAgents(events: Iterable<CanonicalEvent>): string[] {
  const problems: string[] = [];
  const state = new Map<string, { state: string; reason?: string; callId?: string; at: number }>();
  const pendingAnswer = new Map<string, string>();
  for (const e of events) {
    const at = occurredAtMs(e);
    if (e.type === 'call.answered') {
      const s = state.get(e.agentId);
      if (s?.state !== 'available') problems.push(`${e.agentId}: answered ${e.callId} while ${s?.state ?? 'unknown'}`);
      pendingAnswer.set(e.agentId, e.callId);
    } else if (e.type === 'call.completed') {
      const s = state.get(e.agentId);
      if (s?.state !== 'wrap_up') problems.push(`${e.agentId}: completed ${e.callId} while ${s?.state ?? 'unknown'}`);
      if (s?.callId !== e.callId) problems.push(`${e.agentId}: completed ${e.callId} but was on ${s?.callId}`);
    } else if (e.type === 'agent.state_changed') {
      const prev = state.get(e.agentId);
      if (prev && prev.state === e.state && prev.reason === e.reason) problems.push(`${e.agentId}: repeated ${e.state}`);
      let callId = prev?.callId;
      if (e.state === 'on_call') {
        if (prev?.state !== 'available') problems.push(`${e.agentId}: on_call after ${prev?.state ?? 'nothing'}`);
        callId = pendingAnswer.get(e.agentId);
        if (!callId) problems.push(`${e.agentId}: on_call without call.answered`);
        pendingAnswer.delete(e.agentId);
      }
      if (e.state === 'wrap_up' && prev?.state !== 'on_call') problems.push(`${e.agentId}: wrap_up after ${prev?.state ?? 'nothing'}`);
      if (prev?.state === 'on_call' && e.state !== 'wrap_up') problems.push(`${e.agentId}: ${e.state} straight after on_call`);
      if (prev?.state === 'wrap_up' && e.state === 'on_call') problems.push(`${e.agentId}: on_call straight after wrap_up`);
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
