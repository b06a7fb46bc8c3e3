import type { AgentState, CanonicalEventInput } from '@callboard/events';
import { agentEventIdOf } from './ids.js';
import { agentIdOf, queueIdOf } from './names.js';
import type { ResolvedOptions } from './options.js';

/** One queue membership of a member: paused or not, and why. */
interface Membership {
  paused: boolean;
  reason?: string;
}

/**
 * What the mappers know of one member, kept per agentId: the names a mapping file joins (an interface and its member
 * name) share one record. Plain JSON, for snapshots.
 */
export interface AgentRecord {
  /** Queue name → membership. */
  queues: Record<string, Membership>;
  /** Caller uniqueids the member is connected to (CONNECT / AgentConnect until the call ends). */
  calls: string[];
  /** Until when the member is in wrap-up (epoch ms); 0 when never. */
  wrapUntilMs: number;
  /** AGENTLOGIN seen (app_agent_pool): logged in even while its queues are not known yet. */
  loggedIn: boolean;
  /** AGENTLOGOFF seen (and no login or ADDMEMBER since). */
  loggedOut: boolean;
  /** AMI device state: unavailable (4, 5), busy (2, 3, 7, 8 or InCall), free; absent without AMI. */
  device?: 'unavailable' | 'busy' | 'free';
  /** occurredAt (ms) of the latest event emitted for this member, and what it said. */
  horizonMs: number;
  last?: DerivedState;
}

export interface DerivedState {
  state: AgentState;
  reason?: string;
  queueIds: string[];
}

/** The change of a member connected to a caller (CONNECT, AgentConnect): a member of that queue, on that call. */
export function connectTo(queue: string, uniqueId: string): (rec: AgentRecord) => void {
  return (rec) => {
    rec.queues[queue] ??= { paused: false };
    if (!rec.calls.includes(uniqueId)) rec.calls.push(uniqueId);
    rec.loggedOut = false;
  };
}

/** The change of a call's end (COMPLETE*, transfers, AgentComplete): off that call, in wrap-up until `wrapUntilMs`. */
export function endCall(queue: string, uniqueId: string, wrapUntilMs: number): (rec: AgentRecord) => void {
  return (rec) => {
    rec.queues[queue] ??= { paused: false };
    rec.calls = rec.calls.filter((c) => c !== uniqueId);
    rec.wrapUntilMs = Math.max(rec.wrapUntilMs, wrapUntilMs);
  };
}

function newRecord(): AgentRecord {
  return { queues: {}, calls: [], wrapUntilMs: 0, loggedIn: false, loggedOut: false, horizonMs: 0 };
}

function sameState(a: DerivedState | undefined, b: DerivedState): boolean {
  return a !== undefined && a.state === b.state && a.reason === b.reason && a.queueIds.join('\n') === b.queueIds.join('\n');
}

/**
 * The members' states, kept by both mappers (docs/ingest/asterisk.md, "Agent states"). A member's canonical state at
 * time t is, in this order:
 * - `logged_out` after AGENTLOGOFF, with an AMI device that is unavailable or invalid, or with no known queue
 *   (unless AGENTLOGIN was seen: then `available` with no queues);
 * - `on_call` while connected to a caller (or the AMI device is busy), with all its queues;
 * - `wrap_up` until the end of the wrap-up time after a call, with all its queues;
 * - `away` when paused in every queue it is a member of, with the first pause reason;
 * - `available` otherwise, with the queues it is NOT paused in (a member paused in one queue of two does not count
 *   as available in that one).
 * Each line recomputes the state; an event is emitted only when the state, reason or queues change. The end of
 * wrap-up is an event in the future (at +wrapUpMs); a line that changes the member before then re-asserts the state
 * the member will be in after it, 1 ms after that future event, so last-writer-wins by event time stays right.
 */
export class AgentBook {
  private readonly agents = new Map<string, AgentRecord>();

  constructor(
    private readonly opts: ResolvedOptions,
    restored?: unknown,
  ) {
    if (restored === null || typeof restored !== 'object') return;
    for (const [name, rec] of Object.entries(restored as Record<string, AgentRecord>)) {
      if (rec && typeof rec === 'object' && rec.queues && Array.isArray(rec.calls)) this.agents.set(name, { ...newRecord(), ...rec });
    }
  }

  /** Whether the member has any known queue (PAUSEALL for an unknown member is skipped). */
  hasQueues(agent: string): boolean {
    return this.queuesOf(agent).length > 0;
  }

  /** The member's queue names (to validate before a change). */
  queuesOf(agent: string): string[] {
    return Object.keys(this.agents.get(agentIdOf(this.opts.names, agent))?.queues ?? {});
  }

  private derive(rec: AgentRecord, atMs: number): DerivedState {
    const names = this.opts.names;
    const queues = Object.keys(rec.queues).sort();
    const all = queues.map((q) => queueIdOf(names, q)).sort();
    if (rec.loggedOut || rec.device === 'unavailable') return { state: 'logged_out', queueIds: all };
    if (queues.length === 0) return rec.loggedIn ? { state: 'available', queueIds: [] } : { state: 'logged_out', queueIds: [] };
    if (rec.calls.length > 0 || rec.device === 'busy') return { state: 'on_call', queueIds: all };
    if (rec.wrapUntilMs > atMs) return { state: 'wrap_up', queueIds: all };
    const unpaused = queues.filter((q) => !rec.queues[q]?.paused);
    if (unpaused.length === 0) {
      const reason = queues.map((q) => rec.queues[q]?.reason).find((r) => r !== undefined && r.length > 0);
      return reason === undefined ? { state: 'away', queueIds: all } : { state: 'away', reason: reason.slice(0, 128), queueIds: all };
    }
    return { state: 'available', queueIds: unpaused.map((q) => queueIdOf(names, q)).sort() };
  }

  /**
   * Applies one line's change to a member and returns the agent events it implies (none with `agentStates: false`,
   * but the state is kept all the same).
   *
   * @param agent - the member name as written; its agentId (mapping file or rule) names the record
   * @param atMs - the line's time
   * @param sourceEvent - the queue_log or AMI event name, part of the eventIds
   * @param detail - the line's other fields, hashed into the eventIds
   * @param mutate - the change
   */
  update(agent: string, atMs: number, sourceEvent: string, detail: readonly string[], mutate: (rec: AgentRecord) => void): CanonicalEventInput[] {
    return this.updateById(agentIdOf(this.opts.names, agent), atMs, sourceEvent, detail, mutate);
  }

  /** The agentIds of every member known, for a full status read (AMI QueueStatus) that must find who is gone. */
  agentIds(): string[] {
    return [...this.agents.keys()];
  }

  /** As `update`, for a member known by its agentId (a name a mapping file joined may not be at hand). */
  updateById(agentId: string, atMs: number, sourceEvent: string, detail: readonly string[], mutate: (rec: AgentRecord) => void): CanonicalEventInput[] {
    const rec = this.agents.get(agentId) ?? newRecord();
    this.agents.set(agentId, rec);
    const before = this.derive(rec, atMs);
    mutate(rec);
    const now = this.derive(rec, atMs);
    const out: CanonicalEventInput[] = [];
    const emit = (at: number, s: DerivedState, suffix: string): void => {
      out.push({
        type: 'agent.state_changed',
        eventId: agentEventIdOf(this.opts.serverId, agentId, atMs, sourceEvent, detail, suffix),
        occurredAt: new Date(at).toISOString(),
        tenantId: this.opts.tenantId,
        source: this.opts.source,
        agentId,
        state: s.state,
        ...(s.reason === undefined ? {} : { reason: s.reason }),
        queueIds: s.queueIds,
      });
    };
    if (!sameState(before, now)) emit(atMs, now, '');
    if (rec.horizonMs > atMs) {
      // An event later than this line was emitted already (the end of a wrap-up): say again what holds after it.
      const after = this.derive(rec, rec.horizonMs + 1);
      if (!sameState(rec.last, after)) {
        rec.horizonMs += 1;
        emit(rec.horizonMs, after, ':after');
        rec.last = after;
      }
    } else if (!sameState(before, now)) {
      rec.horizonMs = atMs;
      rec.last = now;
    }
    if (rec.wrapUntilMs > Math.max(rec.horizonMs, atMs)) {
      const end = this.derive(rec, rec.wrapUntilMs);
      if (!sameState(rec.horizonMs > atMs ? rec.last : now, end)) {
        emit(rec.wrapUntilMs, end, ':wrapend');
        rec.horizonMs = rec.wrapUntilMs;
        rec.last = end;
      }
    }
    return this.opts.agentStates ? out : [];
  }

  /** JSON of every member by agentId, for `snapshot()`. */
  snapshot(): Record<string, AgentRecord> {
    return Object.fromEntries([...this.agents].map(([name, rec]) => [name, structuredClone(rec)]));
  }
}
