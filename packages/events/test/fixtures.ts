import type { CanonicalEventInput } from '../src/index.js';

/** One valid event of each type, in the JSON form. */
export const SAMPLE_EVENTS: CanonicalEventInput[] = [
  { eventId: 'e-1', type: 'call.offered', occurredAt: '2026-03-02T09:00:00.000Z', tenantId: 'acme', queueId: 'billing', callId: 'c-1', channel: 'voice', direction: 'inbound', callerKey: 'hash-123', priority: 5, source: 'pbx-1' },
  { eventId: 'e-2', type: 'call.answered', occurredAt: '2026-03-02T09:00:12.345Z', tenantId: 'acme', queueId: 'billing', callId: 'c-1', agentId: 'a-7', waitMs: 12345 },
  { eventId: 'e-3', type: 'call.abandoned', occurredAt: '2026-03-02T09:01:00.000Z', tenantId: 'acme', queueId: 'billing', callId: 'c-2', waitMs: 4000 },
  { eventId: 'e-4', type: 'call.flowed_out', occurredAt: '2026-03-02T09:02:00.000Z', tenantId: 'acme', queueId: 'billing', callId: 'c-3', waitMs: 120000, reason: 'overflow' },
  { eventId: 'e-5', type: 'call.completed', occurredAt: '2026-03-02T09:05:00.000Z', tenantId: 'acme', queueId: 'billing', callId: 'c-1', agentId: 'a-7', talkMs: 200000, holdMs: 10000, wrapMs: 30000, transferred: false, resolved: true },
  { eventId: 'e-6', type: 'agent.state_changed', occurredAt: '2026-03-02T09:05:00.001Z', tenantId: 'acme', agentId: 'a-7', state: 'available', queueIds: ['billing', 'sales'], reason: 'after-call' },
  { eventId: 'e-7', type: 'complaint.filed', occurredAt: '2026-03-02T09:10:00.000Z', tenantId: 'acme', complaintId: 'cp-1', queueId: 'billing', channel: 'voice', category: 'billing-error', severity: 'urgent', callerKey: 'hash-123', callId: 'c-1', responseDueAt: '2026-03-02T19:10:00+08:00' },
  { eventId: 'e-8', type: 'complaint.responded', occurredAt: '2026-03-02T09:40:00.000Z', tenantId: 'acme', complaintId: 'cp-1', agentId: 'a-7' },
  { eventId: 'e-9', type: 'complaint.resolved', occurredAt: '2026-03-03T10:00:00.000Z', tenantId: 'acme', complaintId: 'cp-1', outcome: 'resolved' },
  { eventId: 'e-10', type: 'survey.completed', occurredAt: '2026-03-02T09:06:00.000Z', tenantId: 'acme', surveyId: 'sv-1', queueId: 'billing', callId: 'c-1', agentId: 'a-7', csat: 4, nps: 9, resolved: true },
];
