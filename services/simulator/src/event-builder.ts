import type {
  AgentState,
  AgentStateChanged,
  CallAbandoned,
  CallAnswered,
  CallCompleted,
  CallFlowedOut,
  CallOffered,
  Channel,
} from '@callboard/events';

/** What the simulator writes in every event's `source`. */
export const SIMULATOR_SOURCE = 'simulator';

type FlowOutReason = CallFlowedOut['reason'];

/**
 * Builds canonical events with deterministic ids. Keys are written in one fixed order, so equal
 * runs serialise to equal bytes.
 */
export class EventBuilder {
  private eventCount = 0;
  private callCount = 0;

  /** @param runId - embedded in every event and call id; see `defaultRunId`. */
  constructor(private readonly runId: string) {}

  /** How many events were built so far. */
  get events(): number {
    return this.eventCount;
  }

  /** A new call id, `call-<runId>-<n>`. */
  nextCallId(): string {
    this.callCount += 1;
    return `call-${this.runId}-${this.callCount}`;
  }

  private base<T extends string>(type: T, at: number, tenantId: string) {
    this.eventCount += 1;
    return { eventId: `sim-${this.runId}-${this.eventCount}`, type, occurredAt: new Date(at).toISOString(), tenantId, source: SIMULATOR_SOURCE };
  }

  offered(
    at: number,
    v: { tenantId: string; queueId: string; callId: string; channel: Channel; direction: CallOffered['direction']; callerKey: string; priority: number | undefined },
  ): CallOffered {
    const event: CallOffered = {
      ...this.base('call.offered', at, v.tenantId),
      callId: v.callId,
      queueId: v.queueId,
      channel: v.channel,
      direction: v.direction,
      callerKey: v.callerKey,
    };
    if (v.priority !== undefined) event.priority = v.priority;
    return event;
  }

  answered(at: number, v: { tenantId: string; queueId: string; callId: string; agentId: string; waitMs: number }): CallAnswered {
    return { ...this.base('call.answered', at, v.tenantId), callId: v.callId, queueId: v.queueId, agentId: v.agentId, waitMs: v.waitMs };
  }

  abandoned(at: number, v: { tenantId: string; queueId: string; callId: string; waitMs: number }): CallAbandoned {
    return { ...this.base('call.abandoned', at, v.tenantId), callId: v.callId, queueId: v.queueId, waitMs: v.waitMs };
  }

  flowedOut(at: number, v: { tenantId: string; queueId: string; callId: string; waitMs: number; reason: FlowOutReason }): CallFlowedOut {
    return { ...this.base('call.flowed_out', at, v.tenantId), callId: v.callId, queueId: v.queueId, waitMs: v.waitMs, reason: v.reason };
  }

  completed(
    at: number,
    v: {
      tenantId: string;
      queueId: string;
      callId: string;
      agentId: string;
      talkMs: number;
      holdMs: number;
      wrapMs: number;
      transferred: boolean;
      resolved: boolean | undefined;
    },
  ): CallCompleted {
    const event: CallCompleted = {
      ...this.base('call.completed', at, v.tenantId),
      callId: v.callId,
      queueId: v.queueId,
      agentId: v.agentId,
      talkMs: v.talkMs,
      holdMs: v.holdMs,
      wrapMs: v.wrapMs,
      transferred: v.transferred,
    };
    if (v.resolved !== undefined) event.resolved = v.resolved;
    return event;
  }

  agentState(at: number, v: { tenantId: string; agentId: string; state: AgentState; reason: string | undefined; queueIds: readonly string[] }): AgentStateChanged {
    const base = { ...this.base('agent.state_changed', at, v.tenantId), agentId: v.agentId, state: v.state };
    const queueIds = [...v.queueIds];
    return v.reason === undefined ? { ...base, queueIds } : { ...base, reason: v.reason, queueIds };
  }
}
