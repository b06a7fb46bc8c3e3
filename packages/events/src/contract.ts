import { z } from 'zod';

/** DESIGN §2: identifiers that become part of Redis keys and Kafka keys. */
export const IDENTIFIER_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const identifier = z.string().regex(IDENTIFIER_PATTERN, 'must match [A-Za-z0-9_.-]{1,64}');

export const CHANNELS = ['voice', 'chat', 'email', 'callback', 'video', 'sms'] as const;
export const DIRECTIONS = ['inbound', 'outbound'] as const;
export const FLOW_OUT_REASONS = ['timeout', 'overflow', 'exit_key', 'callback', 'transfer', 'other'] as const;
export const AGENT_STATES = ['logged_out', 'available', 'on_call', 'wrap_up', 'away'] as const;
export const CALL_EVENT_TYPES = ['call.offered', 'call.answered', 'call.abandoned', 'call.flowed_out', 'call.completed'] as const;
export const EVENT_TYPES = [...CALL_EVENT_TYPES, 'agent.state_changed'] as const;

export type Channel = (typeof CHANNELS)[number];
export type AgentState = (typeof AGENT_STATES)[number];
export type CallEventType = (typeof CALL_EVENT_TYPES)[number];
export type EventType = (typeof EVENT_TYPES)[number];

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
  reason: z.enum(FLOW_OUT_REASONS),
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
});

export const agentStateChangedSchema = z.object({
  ...base,
  type: z.literal('agent.state_changed'),
  agentId: identifier,
  state: z.enum(AGENT_STATES),
  reason: z.string().max(128).optional(),
  queueIds: z.array(identifier).max(256),
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
]);

export type CallOffered = z.output<typeof callOfferedSchema>;
export type CallAnswered = z.output<typeof callAnsweredSchema>;
export type CallAbandoned = z.output<typeof callAbandonedSchema>;
export type CallFlowedOut = z.output<typeof callFlowedOutSchema>;
export type CallCompleted = z.output<typeof callCompletedSchema>;
export type AgentStateChanged = z.output<typeof agentStateChangedSchema>;
export type CallEvent = z.output<typeof callEventSchema>;
export type CanonicalEvent = z.output<typeof canonicalEventSchema>;
/** What a producer may hand in: the same shape, before normalisation. */
export type CanonicalEventInput = z.input<typeof canonicalEventSchema>;

export function isCallEvent(event: CanonicalEvent): event is CallEvent {
  return event.type !== 'agent.state_changed';
}

/** Milliseconds since the epoch of an event's `occurredAt`. */
export function occurredAtMs(event: { occurredAt: string }): number {
  return Date.parse(event.occurredAt);
}
