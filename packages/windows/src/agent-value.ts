import { AGENT_STATES, type AgentState, type AgentStateChanged } from '@callboard/events';

/** An agent's latest state as the tenant agents hash holds it (docs/redis-keys.md). */
export interface StoredAgentState {
  occurredAtMs: number;
  eventId: string;
  state: AgentState;
  queueIds: string[];
}

/**
 * The agents-hash value for one `agent.state_changed`: a JSON array
 * `[occurredAtMs, eventId, state, queueIds]`. A structured encoding, not a joined string,
 * because an eventId may hold any character (issue 8 item 7). `apply-batch-2.lua` stores it as
 * given and reads the first two elements to order an agent's states.
 */
export function encodeAgentValue(event: AgentStateChanged, occurredAtMs: number): string {
  return JSON.stringify([occurredAtMs, event.eventId, event.state, event.queueIds]);
}

const STATES: ReadonlySet<string> = new Set(AGENT_STATES);

/**
 * Parses an agents-hash value; `undefined` for anything unreadable, which then counts as no agent.
 * Values written before the JSON encoding, `occurredAtMs|eventId|state|q1,q2`, still parse: state
 * and queue ids never hold `|`, so they are read from the right and the eventId keeps the rest.
 */
export function decodeAgentValue(value: string): StoredAgentState | undefined {
  let parsed: StoredAgentState | undefined;
  if (value.startsWith('[')) {
    try {
      const [occurredAtMs, eventId, state, queueIds] = JSON.parse(value) as unknown[];
      // Lua's cjson would write an empty list as {}; the store never re-encodes, but stay lenient.
      parsed = { occurredAtMs: Number(occurredAtMs), eventId: String(eventId), state: state as AgentState, queueIds: Array.isArray(queueIds) ? queueIds.map(String) : [] };
    } catch {
      return undefined;
    }
  } else {
    const legacy = /^(\d+)\|(.*)\|([^|]*)\|([^|]*)$/s.exec(value);
    if (!legacy) return undefined;
    parsed = { occurredAtMs: Number(legacy[1]), eventId: legacy[2]!, state: legacy[3] as AgentState, queueIds: legacy[4] === '' ? [] : legacy[4]!.split(',') };
  }
  return STATES.has(parsed.state) ? parsed : undefined;
}
