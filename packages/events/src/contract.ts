import { z } from 'zod';

/** DESIGN §2: identifiers that become part of Redis keys and Kafka keys. */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const identifier = z.string().regex(IDENTIFIER_PATTERN, 'must match [A-Za-z0-9_.-]{1,64}');

export const CHANNELS = ['voice', 'chat', 'email', 'callback', 'video', 'sms'] as const;
export const DIRECTIONS = ['inbound', 'outbound'] as const;
export const FLOW_OUT_REASONS = ['timeout', 'overflow', 'exit_key', 'callback', 'transfer', 'other'] as const;
/** Why an outbound attempt failed (DESIGN §2 wave 2): `call.flowed_out` on an outbound visit. */
export const OUTBOUND_FAILURE_REASONS = ['no_answer', 'busy', 'invalid_number', 'rejected', 'other'] as const;
/** Every reason a `call.flowed_out` may carry: the inbound ones and the outbound ones. */
export const ALL_FLOW_OUT_REASONS = [...FLOW_OUT_REASONS, 'no_answer', 'busy', 'invalid_number', 'rejected'] as const;
export const COMPLAINT_SEVERITIES = ['normal', 'urgent'] as const;
export const COMPLAINT_OUTCOMES = ['resolved', 'rejected', 'withdrawn'] as const;
export const AGENT_STATES = ['logged_out', 'available', 'on_call', 'wrap_up', 'away'] as const;
export const CALL_EVENT_TYPES = ['call.offered', 'call.answered', 'call.abandoned', 'call.flowed_out', 'call.completed'] as const;
export const COMPLAINT_EVENT_TYPES = ['complaint.filed', 'complaint.responded', 'complaint.resolved'] as const;
/** Complaints and surveys: the events of `cc.feedback-events.v1` (docs/decisions/0010-service-quality-kpis.md). */
export const FEEDBACK_EVENT_TYPES = [...COMPLAINT_EVENT_TYPES, 'survey.completed'] as const;
/** The event types of contract v1, before wave 2: what a v1 producer (and the simulator without wave 2) sends. */
export const V1_EVENT_TYPES = [...CALL_EVENT_TYPES, 'agent.state_changed'] as const;
export const EVENT_TYPES = [...V1_EVENT_TYPES, ...FEEDBACK_EVENT_TYPES] as const;

export type Channel = (typeof CHANNELS)[number];
export type AgentState = (typeof AGENT_STATES)[number];
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];
export type EventType = (typeof EVENT_TYPES)[number];
export type OutboundFailureReason = (typeof OUTBOUND_FAILURE_REASONS)[number];
export type ComplaintSeverity = (typeof COMPLAINT_SEVERITIES)[number];
export type ComplaintOutcome = (typeof COMPLAINT_OUTCOMES)[number];

/** Normalises an ISO-8601 instant to UTC milliseconds (`toISOString`); throws a RangeError on one Date cannot read. */
export function toUtcIso(s: string): string {
  return new Date(s).toISOString();
}

/**
 * {@link toUtcIso} as the contract's transform, refusing what it cannot normalise as an issue of its
 * field, so a producer's line or a consumer's record is refused as `CB_EVENT_INVALID` instead of a
 * RangeError escaping validation (issue 9, bad inputs):
 * - an offset the datetime check accepts but Date cannot read (`+99:99`): `… is not a valid instant`;
 * - an instant of year 0000 or 9999 that an offset moves out of those years in UTC
 *   (`0000-01-01T00:00:00+01:00`): its UTC form would have a 6-digit year the contract itself refuses,
 *   so it would be accepted here and refused again after the round trip through Kafka.
 */
export function toUtcInstant(s: string, ctx: z.RefinementCtx): string {
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${s} is not a valid instant` });
    return z.NEVER;
  }
  const utc = new Date(ms).toISOString();
  if (utc.length !== 24) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `${s} is ${utc} in UTC, outside the years 0000 to 9999` });
    return z.NEVER;
  }
  return utc;
}

/**
 * Whether {@link toUtcInstant} (and {@link toUtcIso}) returns `s` unchanged, for a string that passed the `instant` check below: its
 * date is 10 characters and its time starts `HH:mm`, so 24 characters ending in `Z` can only be
 * `YYYY-MM-DDTHH:mm:ss.sssZ`, a valid date (the check knows month lengths and leap years) and time of a
 * year 0000 to 9999, which Date parses exactly and `toISOString` prints the same. This lets the compiled
 * parser skip the Date round trip for every instant that came from Avro or from `toISOString`.
 */
export function isUtcIsoUnchanged(s: string): boolean {
  return s.length === 24 && s.charCodeAt(23) === 90; /* Z */
}

/** An ISO-8601 instant with an explicit offset, normalised to UTC milliseconds (`toISOString`). */
const instant = z.string().datetime({ offset: true, message: 'must be an ISO-8601 instant with Z or an offset' }).transform(toUtcInstant);

/** All durations are integer milliseconds, never negative, at most 30 days. */
const durationMs = z.number().int().nonnegative().max(30 * 24 * 3600 * 1000);

const base = {
  eventId: z.string().min(1).max(128),
  occurredAt: instant,
  tenantId: identifier,
  source: z.string().max(128).optional(),
};

const callBase = { ...base, callId: z.string().min(1).max(128), queueId: identifier };

export const callOfferedSchema = z.object({
  ...callBase,
  type: z.literal('call.offered'),
  channel: z.enum(CHANNELS),
  direction: z.enum(DIRECTIONS),
  callerKey: z.string().max(128).optional(),
  priority: z.number().int().min(0).max(1000).optional(),
});

export const callAnsweredSchema = z.object({
  ...callBase,
  type: z.literal('call.answered'),
  agentId: identifier,
  waitMs: durationMs,
  /** chat, email, sms: time from entering the queue to the agent's first reply (首次响应时长). */
  firstResponseMs: durationMs.optional(),
});

export const callAbandonedSchema = z.object({
  ...callBase,
  type: z.literal('call.abandoned'),
  waitMs: durationMs,
});

export const callFlowedOutSchema = z.object({
  ...callBase,
  type: z.literal('call.flowed_out'),
  waitMs: durationMs,
  /** Inbound: `timeout` … `other`; outbound (a failed attempt): `no_answer`, `busy`, `invalid_number`, `rejected`, `other`. */
  reason: z.enum(ALL_FLOW_OUT_REASONS),
});

export const callCompletedSchema = z.object({
  ...callBase,
  type: z.literal('call.completed'),
  agentId: identifier,
  talkMs: durationMs,
  holdMs: durationMs,
  wrapMs: durationMs,
  transferred: z.boolean(),
  resolved: z.boolean().optional(),
  /** Outbound: the attempt reached its business goal (成功). Ignored on inbound visits. */
  success: z.boolean().optional(),
});

export const agentStateChangedSchema = z.object({
  ...base,
  type: z.literal('agent.state_changed'),
  agentId: identifier,
  state: z.enum(AGENT_STATES),
  reason: z.string().max(128).optional(),
  queueIds: z.array(identifier).max(256),
});

const complaintBase = { ...base, complaintId: z.string().min(1).max(128) };

export const complaintFiledSchema = z.object({
  ...complaintBase,
  type: z.literal('complaint.filed'),
  /** Absent: the complaint counts at tenant level only, even when it names a call. */
  queueId: identifier.optional(),
  channel: z.enum(CHANNELS),
  category: z.string().min(1).max(64),
  severity: z.enum(COMPLAINT_SEVERITIES),
  callerKey: z.string().max(128).optional(),
  callId: z.string().min(1).max(128).optional(),
  /** Absent: the tenant's `complaintResponseMs` of this severity after filing. */
  responseDueAt: instant.optional(),
});

export const complaintRespondedSchema = z.object({
  ...complaintBase,
  type: z.literal('complaint.responded'),
  agentId: identifier.optional(),
});

export const complaintResolvedSchema = z.object({
  ...complaintBase,
  type: z.literal('complaint.resolved'),
  outcome: z.enum(COMPLAINT_OUTCOMES),
});

export const surveyCompletedSchema = z.object({
  ...base,
  type: z.literal('survey.completed'),
  surveyId: z.string().min(1).max(128),
  queueId: identifier,
  callId: z.string().min(1).max(128).optional(),
  agentId: identifier.optional(),
  /** 1 (very dissatisfied) to 5 (very satisfied). */
  csat: z.number().int().min(1).max(5).optional(),
  /** 0 to 10, "how likely are you to recommend". */
  nps: z.number().int().min(0).max(10).optional(),
  /** The customer says the issue was resolved. */
  resolved: z.boolean().optional(),
});

export const callEventSchema = z.discriminatedUnion('type', [
  callOfferedSchema,
  callAnsweredSchema,
  callAbandonedSchema,
  callFlowedOutSchema,
  callCompletedSchema,
]);

export const canonicalEventSchema = z.discriminatedUnion('type', [
  callOfferedSchema,
  callAnsweredSchema,
  callAbandonedSchema,
  callFlowedOutSchema,
  callCompletedSchema,
  agentStateChangedSchema,
  complaintFiledSchema,
  complaintRespondedSchema,
  complaintResolvedSchema,
  surveyCompletedSchema,
]);

export const feedbackEventSchema = z.discriminatedUnion('type', [complaintFiledSchema, complaintRespondedSchema, complaintResolvedSchema, surveyCompletedSchema]);

export type CallOffered = z.output<typeof callOfferedSchema>;
export type CallAnswered = z.output<typeof callAnsweredSchema>;
export type CallAbandoned = z.output<typeof callAbandonedSchema>;
export type CallFlowedOut = z.output<typeof callFlowedOutSchema>;
export type CallCompleted = z.output<typeof callCompletedSchema>;
export type AgentStateChanged = z.output<typeof agentStateChangedSchema>;
export type ComplaintFiled = z.output<typeof complaintFiledSchema>;
export type ComplaintResponded = z.output<typeof complaintRespondedSchema>;
export type ComplaintResolved = z.output<typeof complaintResolvedSchema>;
export type ComplaintEvent = ComplaintFiled | ComplaintResponded | ComplaintResolved;
export type SurveyCompleted = z.output<typeof surveyCompletedSchema>;
export type FeedbackEvent = z.output<typeof feedbackEventSchema>;
export type CallEvent = z.output<typeof callEventSchema>;
export type CanonicalEvent = z.output<typeof canonicalEventSchema>;
/** What a producer may hand in: the same shape, before normalisation. */
export type CanonicalEventInput = z.input<typeof canonicalEventSchema>;

export function isCallEvent(event: CanonicalEvent): event is CallEvent {
  return event.type.startsWith('call.');
}

export function isAgentEvent(event: CanonicalEvent): event is AgentStateChanged {
  return event.type === 'agent.state_changed';
}

export function isComplaintEvent(event: CanonicalEvent): event is ComplaintEvent {
  return event.type.startsWith('complaint.');
}

export function isSurveyEvent(event: CanonicalEvent): event is SurveyCompleted {
  return event.type === 'survey.completed';
}

/** Complaints and surveys, which travel on `cc.feedback-events.v1`. */
export function isFeedbackEvent(event: CanonicalEvent): event is FeedbackEvent {
  return isComplaintEvent(event) || isSurveyEvent(event);
}

/** Milliseconds since the epoch of an event's `occurredAt`. */
export function occurredAtMs(event: { occurredAt: string }): number {
  return Date.parse(event.occurredAt);
}
