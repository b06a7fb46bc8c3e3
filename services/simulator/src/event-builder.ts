import type {
  AgentState,
  AgentStateChanged,
  CallAbandoned,
  CallAnswered,
  CallCompleted,
  CallFlowedOut,
  CallOffered,
  Channel,
  ComplaintFiled,
  ComplaintOutcome,
  ComplaintResolved,
  ComplaintResponded,
  ComplaintSeverity,
  SurveyCompleted,
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
  private complaintCount = 0;
  private surveyCount = 0;

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

  /** A new complaint id, `cmp-<runId>-<n>`. */
  nextComplaintId(): string {
    this.complaintCount += 1;
    return `cmp-${this.runId}-${this.complaintCount}`;
  }

  /** A new survey id, `srv-<runId>-<n>`. */
  nextSurveyId(): string {
    this.surveyCount += 1;
    return `srv-${this.runId}-${this.surveyCount}`;
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

  answered(at: number, v: { tenantId: string; queueId: string; callId: string; agentId: string; waitMs: number; firstResponseMs?: number | undefined }): CallAnswered {
    const event: CallAnswered = { ...this.base('call.answered', at, v.tenantId), callId: v.callId, queueId: v.queueId, agentId: v.agentId, waitMs: v.waitMs };
    if (v.firstResponseMs !== undefined) event.firstResponseMs = v.firstResponseMs;
    return event;
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
      success?: boolean | undefined;
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
    if (v.success !== undefined) event.success = v.success;
    return event;
  }

  agentState(at: number, v: { tenantId: string; agentId: string; state: AgentState; reason: string | undefined; queueIds: readonly string[] }): AgentStateChanged {
    const base = { ...this.base('agent.state_changed', at, v.tenantId), agentId: v.agentId, state: v.state };
    const queueIds = [...v.queueIds];
    return v.reason === undefined ? { ...base, queueIds } : { ...base, reason: v.reason, queueIds };
  }

  complaintFiled(
    at: number,
    v: {
      tenantId: string;
      complaintId: string;
      queueId: string | undefined;
      channel: Channel;
      category: string;
      severity: ComplaintSeverity;
      callerKey: string;
      callId: string;
      responseDueAt: number | undefined;
    },
  ): ComplaintFiled {
    const event: ComplaintFiled = { ...this.base('complaint.filed', at, v.tenantId), complaintId: v.complaintId, channel: v.channel, category: v.category, severity: v.severity };
    if (v.queueId !== undefined) event.queueId = v.queueId;
    event.callerKey = v.callerKey;
    event.callId = v.callId;
    if (v.responseDueAt !== undefined) event.responseDueAt = new Date(v.responseDueAt).toISOString();
    return event;
  }

  complaintResponded(at: number, v: { tenantId: string; complaintId: string; agentId: string | undefined }): ComplaintResponded {
    const event: ComplaintResponded = { ...this.base('complaint.responded', at, v.tenantId), complaintId: v.complaintId };
    if (v.agentId !== undefined) event.agentId = v.agentId;
    return event;
  }

  complaintResolved(at: number, v: { tenantId: string; complaintId: string; outcome: ComplaintOutcome }): ComplaintResolved {
    return { ...this.base('complaint.resolved', at, v.tenantId), complaintId: v.complaintId, outcome: v.outcome };
  }

  survey(
    at: number,
    v: { tenantId: string; surveyId: string; queueId: string; callId: string; agentId: string; csat: number | undefined; nps: number | undefined; resolved: boolean | undefined },
  ): SurveyCompleted {
    const event: SurveyCompleted = { ...this.base('survey.completed', at, v.tenantId), surveyId: v.surveyId, queueId: v.queueId, callId: v.callId, agentId: v.agentId };
    if (v.csat !== undefined) event.csat = v.csat;
    if (v.nps !== undefined) event.nps = v.nps;
    if (v.resolved !== undefined) event.resolved = v.resolved;
    return event;
  }
}
