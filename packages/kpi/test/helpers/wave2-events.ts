import type {
  CallAnswered,
  CallCompleted,
  CallFlowedOut,
  CallOffered,
  ComplaintFiled,
  ComplaintResolved,
  ComplaintResponded,
  ComplaintSeverity,
  OutboundFailureReason,
  SurveyCompleted,
} from '@callboard/events';
import { answered, at, completed, nextEventId, offered } from './events.js';

/** Builders of the wave 2 events (issue 11); times are offsets from T0 like ./events.ts. */

interface Common {
  eventId?: string;
  tenantId?: string;
  queueId?: string;
}

/** An inbound offer with a callerKey (a repeat-contact FCR contact when answered). */
export function offeredBy(callId: string, offsetMs: number, callerKey: string, c: Common = {}): CallOffered {
  return { ...offered(callId, offsetMs, c), callerKey };
}

export function outboundOffered(callId: string, offsetMs: number, c: Common = {}): CallOffered {
  return { ...offered(callId, offsetMs, c), direction: 'outbound' };
}

export function chatAnswered(callId: string, offsetMs: number, waitMs: number, firstResponseMs: number, c: Common = {}): CallAnswered {
  return { ...answered(callId, offsetMs, waitMs, c), firstResponseMs };
}

export function failed(callId: string, offsetMs: number, waitMs: number, reason: OutboundFailureReason | 'timeout', c: Common = {}): CallFlowedOut {
  return {
    eventId: c.eventId ?? nextEventId(),
    occurredAt: at(offsetMs),
    tenantId: c.tenantId ?? 't1',
    queueId: c.queueId ?? 'q1',
    callId,
    type: 'call.flowed_out',
    waitMs,
    reason,
  };
}

export function outboundCompleted(callId: string, offsetMs: number, talkMs: number, success: boolean | undefined, c: Common = {}): CallCompleted {
  const e = completed(callId, offsetMs, { talkMs, holdMs: 0, wrapMs: 0 }, c);
  if (success !== undefined) e.success = success;
  return e;
}

interface FiledOptions {
  eventId?: string;
  tenantId?: string;
  /** Absent: tenant level. */
  queueId?: string;
  severity?: ComplaintSeverity;
  /** An ISO instant, offsets allowed. */
  responseDueAt?: string;
  callId?: string;
}

export function filed(complaintId: string, offsetMs: number, o: FiledOptions = {}): ComplaintFiled {
  const e: ComplaintFiled = {
    eventId: o.eventId ?? nextEventId(),
    occurredAt: at(offsetMs),
    tenantId: o.tenantId ?? 't1',
    type: 'complaint.filed',
    complaintId,
    channel: 'voice',
    category: 'billing',
    severity: o.severity ?? 'normal',
  };
  if (o.queueId !== undefined) e.queueId = o.queueId;
  if (o.responseDueAt !== undefined) e.responseDueAt = o.responseDueAt;
  if (o.callId !== undefined) e.callId = o.callId;
  return e;
}

export function responded(complaintId: string, offsetMs: number, o: { eventId?: string; tenantId?: string } = {}): ComplaintResponded {
  return { eventId: o.eventId ?? nextEventId(), occurredAt: at(offsetMs), tenantId: o.tenantId ?? 't1', type: 'complaint.responded', complaintId };
}

export function closed(
  complaintId: string,
  offsetMs: number,
  outcome: ComplaintResolved['outcome'] = 'resolved',
  o: { eventId?: string; tenantId?: string } = {},
): ComplaintResolved {
  return { eventId: o.eventId ?? nextEventId(), occurredAt: at(offsetMs), tenantId: o.tenantId ?? 't1', type: 'complaint.resolved', complaintId, outcome };
}

interface SurveyAnswers {
  csat?: number;
  nps?: number;
  resolved?: boolean;
}

export function survey(surveyId: string, offsetMs: number, answers: SurveyAnswers, c: Common = {}): SurveyCompleted {
  const e: SurveyCompleted = {
    eventId: c.eventId ?? nextEventId(),
    occurredAt: at(offsetMs),
    tenantId: c.tenantId ?? 't1',
    queueId: c.queueId ?? 'q1',
    type: 'survey.completed',
    surveyId,
  };
  if (answers.csat !== undefined) e.csat = answers.csat;
  if (answers.nps !== undefined) e.nps = answers.nps;
  if (answers.resolved !== undefined) e.resolved = answers.resolved;
  return e;
}
