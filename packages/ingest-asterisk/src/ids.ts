import { createHash, createHmac } from 'node:crypto';

/** DESIGN §2: `eventId` and `callId` are at most 128 characters. */
export const MAX_ID_LENGTH = 128;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * `<serverId>:<rest>`, or `<serverId>:#<48 hex digits of SHA-256(rest)>` when that would be longer than
 * 128 characters: never truncated, so two long ids never collide by sharing a prefix.
 */
export function boundedId(serverId: string, rest: string): string {
  const id = `${serverId}:${rest}`;
  return id.length <= MAX_ID_LENGTH ? id : `${serverId}:#${sha256Hex(rest).slice(0, 48)}`;
}

/**
 * The callId of a call's `visit`-th stay in one queue (docs/ingest/asterisk.md, "Ids"): `<serverId>:<uniqueid>` for the
 * first, `<serverId>:<uniqueid>~<n>` when the same channel enters the same queue again, so that each stay is its own
 * visit (tenant, callId, queue) for the aggregator (DESIGN §5). Stays in other queues share the first form: a visit
 * is per queue already.
 */
export function callIdOf(serverId: string, uniqueId: string, visit: number): string {
  return boundedId(serverId, visit > 1 ? `${uniqueId}~${visit}` : uniqueId);
}

/** The one fact of its kind a visit has: its offer, its outcome, its completion. */
export type CallFact = 'offered' | 'answered' | 'abandoned' | 'flowed_out' | 'completed';

/**
 * A call event's id: the visit and the fact, `<callId>:<queueId>:<fact>`. A visit has at most one fact of each kind, so
 * no time is needed to tell them apart, and queue_log and AMI, whose clocks may differ by a second, give the same id.
 */
export function callEventIdOf(serverId: string, uniqueId: string, visit: number, queueId: string, fact: CallFact): string {
  return boundedId(serverId, `${visit > 1 ? `${uniqueId}~${visit}` : uniqueId}:${queueId}:${fact}`);
}

/**
 * An agent event's id: `<agentId>@<occurredAt ms>:<source event>:<8 hex digits of the line's other fields>`, plus a
 * suffix for the events a line synthesizes (`:wrapend`, `:after`). The same line read twice gives the same id.
 */
export function agentEventIdOf(serverId: string, agentId: string, atMs: number, sourceEvent: string, detail: readonly string[], suffix = ''): string {
  return boundedId(serverId, `${agentId}@${atMs}:${sourceEvent}:${sha256Hex(JSON.stringify(detail)).slice(0, 8)}${suffix}`);
}

/**
 * `callerKey` (DESIGN §2): HMAC-SHA-256 of the caller's number with the tenant's key, hex. No key, or no usable
 * number (empty, `unknown`, `anonymous`, `<unknown>`), gives no callerKey. The number itself never leaves this function.
 */
export function callerKeyOf(secret: string | undefined, number: string | undefined): string | undefined {
  if (secret === undefined || secret.length === 0 || number === undefined) return undefined;
  const n = number.trim();
  if (n.length === 0 || /^(<?unknown>?|anonymous|restricted|private)$/i.test(n)) return undefined;
  return createHmac('sha256', secret).update(n, 'utf8').digest('hex');
}
