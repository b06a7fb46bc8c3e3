import { type CanonicalEvent, isAgentEvent, isCallEvent, isComplaintEvent } from './contract.js';
import type { SchemaName, TopicKey, Topology } from './topics.js';

/** Where one canonical event travels: its topic, its record key and the schema of its value. */
export interface EventRoute {
  topic: string;
  key: string;
  schema: SchemaName;
}

/**
 * The topic of each event type, keyed so that everything one script call judges together shares a
 * partition: a call's events by callId, an agent's by agentId, a complaint's by complaintId and a
 * survey by surveyId (docs/decisions/0010-service-quality-kpis.md).
 */
export function eventTopicKey(event: CanonicalEvent): TopicKey {
  if (isCallEvent(event)) return 'callEvents';
  if (isAgentEvent(event)) return 'agentEvents';
  return 'feedbackEvents';
}

export function eventRoute(topology: Topology, event: CanonicalEvent): EventRoute {
  const spec = topology[eventTopicKey(event)];
  const key = isCallEvent(event) ? event.callId : isAgentEvent(event) ? event.agentId : isComplaintEvent(event) ? event.complaintId : event.surveyId;
  return { topic: spec.name, key, schema: spec.valueSchema as SchemaName };
}
