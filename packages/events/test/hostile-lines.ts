/**
 * JSON lines that once made validation throw, or come close to it (issue 9, bad inputs): impossible
 * offsets and dates, years at the edge of the ISO form and of Date, huge numbers, prototype keys, deep
 * nesting, very long lines. Each is refused with a code and a reason, never thrown; the producer's
 * test (test/e2e/hostile-frames.test.ts) sends a file of them.
 */

/** A valid call.offered in the JSON form, with `fields` laid over it. */
export function offerLine(eventId: string, fields: Record<string, unknown> = {}, occurredAt = '2026-03-02T09:00:00.000Z'): string {
  return JSON.stringify({ eventId, type: 'call.offered', occurredAt, tenantId: 'acme-telecom', queueId: 'billing', callId: `c-${eventId}`, channel: 'voice', direction: 'inbound', ...fields });
}

/** A valid offer's JSON text with `text` spliced in as the first member (for keys and values JSON.stringify cannot write). */
function spliced(eventId: string, text: string): string {
  return `{${text},${offerLine(eventId).slice(1)}`;
}

const deep = (depth: number, leaf = '1'): string => `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`;

export interface HostileLine {
  name: string;
  line: string;
  code: 'CB_EVENT_INVALID' | 'CB_EVENT_JSON_PARSE';
  reason: RegExp;
}

/** Lines every reader must refuse with `code` and a reason matching `reason`. */
export const HOSTILE_LINES: HostileLine[] = [
  { name: 'an offset Date cannot read', line: offerLine('h1', { occurredAt: '2026-03-01T10:00:00+99:99' }), code: 'CB_EVENT_INVALID', reason: /^occurredAt: 2026-03-01T10:00:00\+99:99 is not a valid instant$/ },
  { name: 'a negative offset Date cannot read', line: offerLine('h2', { occurredAt: '2026-03-01T10:00:00.000-24:00' }), code: 'CB_EVENT_INVALID', reason: /^occurredAt: 2026-03-01T10:00:00\.000-24:00 is not a valid instant$/ },
  { name: 'February 30th', line: offerLine('h3', { occurredAt: '2026-02-30T00:00:00Z' }), code: 'CB_EVENT_INVALID', reason: /^occurredAt: must be an ISO-8601 instant with Z or an offset$/ },
  { name: 'year 0000 moved into year -1 by its offset', line: offerLine('h4', { occurredAt: '0000-01-01T00:00:00+01:00' }), code: 'CB_EVENT_INVALID', reason: /^occurredAt: 0000-01-01T00:00:00\+01:00 is -000001-12-31T23:00:00\.000Z in UTC, outside the years 0000 to 9999$/ },
  { name: 'year 9999 moved into year 10000 by its offset', line: offerLine('h5', { occurredAt: '9999-12-31T23:59:59.999-14:00' }), code: 'CB_EVENT_INVALID', reason: /^occurredAt: .* is \+010000-01-01T13:59:59\.999Z in UTC, outside the years 0000 to 9999$/ },
  { name: 'year 275760 (beyond Date)', line: offerLine('h6', { occurredAt: '+275760-09-13T00:00:00.001Z' }), code: 'CB_EVENT_INVALID', reason: /^occurredAt: must be an ISO-8601 instant/ },
  { name: 'an instant as a huge number', line: offerLine('h7').replace('"2026-03-02T09:00:00.000Z"', '1e400'), code: 'CB_EVENT_INVALID', reason: /^occurredAt: Expected string, received number$/ },
  { name: 'a wait of 1e400 (Infinity once parsed)', line: offerLine('h8', { type: 'call.abandoned', channel: undefined, direction: undefined }).replace('}', ',"waitMs":1e400}'), code: 'CB_EVENT_INVALID', reason: /^waitMs: / },
  { name: 'a priority of 1e21', line: offerLine('h9', { priority: 1e21 }), code: 'CB_EVENT_INVALID', reason: /^priority: Number must be less than or equal to 1000$/ },
  { name: 'a wait of -1e308', line: offerLine('h10', { type: 'call.abandoned', waitMs: -1e308 }), code: 'CB_EVENT_INVALID', reason: /^waitMs: Number must be greater than or equal to 0$/ },
  { name: '__proto__ as the whole event', line: '{"__proto__": null}', code: 'CB_EVENT_INVALID', reason: /^type: Invalid discriminator value/ },
  { name: '__proto__ as a type', line: offerLine('h11', { type: '__proto__' }), code: 'CB_EVENT_INVALID', reason: /^type: Invalid discriminator value/ },
  { name: 'constructor as a type', line: offerLine('h12', { type: 'constructor' }), code: 'CB_EVENT_INVALID', reason: /^type: Invalid discriminator value/ },
  { name: 'a __proto__ key as the queue ids', line: `{"__proto__": ["billing"], ${JSON.stringify({ eventId: 'h13', type: 'agent.state_changed', occurredAt: '2026-03-02T09:00:00Z', tenantId: 'acme-telecom', agentId: 'a1', state: 'available' }).slice(1)}`, code: 'CB_EVENT_INVALID', reason: /^queueIds: Required$/ },
  { name: 'a queue id list nested 100,000 deep', line: offerLine('h14', { type: 'agent.state_changed', agentId: 'a1', state: 'available' }).replace('}', `,"queueIds":${deep(100_000, '"billing"')}}`), code: 'CB_EVENT_INVALID', reason: /^queueIds\.0: Expected string, received array$/ },
  { name: 'JSON nested 1,000,000 deep', line: deep(1_000_000), code: 'CB_EVENT_INVALID', reason: /^\(root\): Expected object, received array$/ },
  { name: 'an event id of 5 MB', line: offerLine('x'.repeat(5_000_000)), code: 'CB_EVENT_INVALID', reason: /^eventId: String must contain at most 128 character\(s\); callId: String must contain at most 128 character\(s\)$/ },
  { name: 'a line of 5 MB that is not JSON', line: `{${'"a":1,'.repeat(700_000)}`, code: 'CB_EVENT_JSON_PARSE', reason: /^not JSON: / },
  { name: 'a byte-order mark', line: `\uFEFF${offerLine('h15')}`, code: 'CB_EVENT_JSON_PARSE', reason: /^not JSON: / },
  { name: 'null', line: 'null', code: 'CB_EVENT_INVALID', reason: /^\(root\): Expected object, received null$/ },
  { name: 'a number', line: '1e999', code: 'CB_EVENT_INVALID', reason: /^\(root\): Expected object, received number$/ },
];

/** Lines that look hostile but are valid events: prototype keys are plain data, unknown keys are dropped. */
export const ODD_BUT_VALID_LINES: { name: string; line: string; eventId: string }[] = [
  { name: 'a __proto__ key', line: spliced('v1', '"__proto__": {"polluted": true, "type": "agent.state_changed"}'), eventId: 'v1' },
  { name: 'constructor and prototype keys', line: spliced('v2', '"constructor": {"prototype": {"polluted": true}}, "prototype": 1, "hasOwnProperty": 2, "toString": 3'), eventId: 'v2' },
  { name: 'an unknown key nested 100,000 deep', line: spliced('v3', `"extra": ${deep(100_000)}`), eventId: 'v3' },
  { name: 'year 0000 in UTC', line: offerLine('v4', {}, '0000-01-01T00:00:00Z'), eventId: 'v4' },
  { name: 'an offset of +23:59', line: offerLine('v5', {}, '2026-03-01T10:00:00+23:59'), eventId: 'v5' },
  { name: 'a lone surrogate in the caller key', line: spliced('v6', '"callerKey": "\\ud800"'), eventId: 'v6' },
  { name: 'a wait of 1e-400 (0 once parsed)', line: offerLine('v7', { type: 'call.abandoned', channel: undefined, direction: undefined }).replace('}', ',"waitMs":1e-400}'), eventId: 'v7' },
];
