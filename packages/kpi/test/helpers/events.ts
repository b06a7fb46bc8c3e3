import type {
  AgentStateChanged,
  CallAbandoned,
  CallAnswered,
  CallCompleted,
  CallFlowedOut,
  CallOffered,
} from '@callboard/events';

/** 2024-03-01T08:00:00.000Z: every test time is an offset from here. */
export const T0 = Date.parse('2024-03-01T08:00:00.000Z');

let counter = 0;

/** A fresh eventId; tests that care pass their own. */
export function nextEventId(): string {
  counter += 1;
  return `e-${counter}`;
}

/** The ISO instant `offsetMs` after {@link T0}. */
export function at(offsetMs: number): string {
  return new Date(T0 + offsetMs).toISOString();
}

interface Common {
  eventId?: string;
  tenantId?: string;
  queueId?: string;
}

function common(callId: string, offsetMs: number, c: Common) {
  return {
    eventId: c.eventId ?? nextEventId(),
    occurredAt: at(offsetMs),
    tenantId: c.tenantId ?? 't1',
    queueId: c.queueId ?? 'q1',
    callId,
  };
}

export function offered(callId: string, offsetMs: number, c: Common = {}): CallOffered {
  return { ...common(callId, offsetMs, c), type: 'call.offered', channel: 'voice', direction: 'inbound' };
}

export function answered(callId: string, offsetMs: number, waitMs: number, c: Common = {}): CallAnswered {
  return { ...common(callId, offsetMs, c), type: 'call.answered', agentId: 'a1', waitMs };
}

export function abandoned(callId: string, offsetMs: number, waitMs: number, c: Common = {}): CallAbandoned {
  return { ...common(callId, offsetMs, c), type: 'call.abandoned', waitMs };
}

export function flowedOut(callId: string, offsetMs: number, waitMs: number, c: Common = {}): CallFlowedOut {
  return { ...common(callId, offsetMs, c), type: 'call.flowed_out', waitMs, reason: 'overflow' };
}

export interface Handling {
  talkMs: number;
  holdMs: number;
  wrapMs: number;
  transferred?: boolean;
  resolved?: boolean;
}

export function completed(callId: string, offsetMs: number, h: Handling, c: Common = {}): CallCompleted {
  const event: CallCompleted = {
    ...common(callId, offsetMs, c),
    type: 'call.completed',
    agentId: 'a1',
    talkMs: h.talkMs,
    holdMs: h.holdMs,
    wrapMs: h.wrapMs,
    transferred: h.transferred ?? false,
  };
  // Leave `resolved` absent rather than undefined: the contract makes it optional.
  if (h.resolved !== undefined) event.resolved = h.resolved;
  return event;
}

export function agentState(agentId: string, offsetMs: number, c: { eventId?: string; tenantId?: string } = {}): AgentStateChanged {
  return {
    eventId: c.eventId ?? nextEventId(),
    occurredAt: at(offsetMs),
    tenantId: c.tenantId ?? 't1',
    type: 'agent.state_changed',
    agentId,
    state: 'available',
    queueIds: ['q1'],
  };
}
