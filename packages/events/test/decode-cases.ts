import { CallboardError } from '@callboard/errors';
import { DEFAULT_CONFIG_PATH, DEMO_CONFIG_PATH, loadSimulatorConfig, simulate, type Random } from '../../../services/simulator/src/index.js';
import { AGENT_STATES, CHANNELS, DIRECTIONS, EVENT_TYPES, FLOW_OUT_REASONS, type CanonicalEvent, type ValidationResult } from '../src/index.js';

/**
 * Inputs and outcomes for the equivalence of the cheaper decode path with the plain one (issue 9 item 5):
 * the simulator's events, and systematic and random mutations of them.
 */

/** The simulator's events: the shipped traffic and the demo config (incidents, flow-outs), a few hours each. */
export async function simulatedEvents(hours: number): Promise<CanonicalEvent[]> {
  const events: CanonicalEvent[] = [];
  for (const [path, seed] of [
    [DEFAULT_CONFIG_PATH, 20250101],
    [DEMO_CONFIG_PATH, 7],
  ] as const) {
    const config = await loadSimulatorConfig(path);
    for (const e of simulate({ config, seed, start: Date.UTC(2026, 2, 2, 6), durationMs: hours * 3600_000 })) events.push(e);
  }
  return events;
}

/** Every field name any event type has, and two it never has. */
export const FIELDS = [
  'eventId', 'type', 'occurredAt', 'tenantId', 'queueId', 'callId', 'source', 'channel', 'direction', 'callerKey', 'priority',
  'agentId', 'waitMs', 'reason', 'talkMs', 'holdMs', 'wrapMs', 'transferred', 'resolved', 'state', 'queueIds', 'extra', 'then',
] as const;

/** Timestamps around every rule of the `instant` check and of Date parsing. */
export const TIMESTAMPS: readonly unknown[] = [
  '2026-03-02T09:00:00.000Z', '2026-03-02T09:00:00Z', '2026-03-02T09:00Z', '2026-03-02T09Z', '2026-03-02T09:00:00', '2026-03-02',
  '2026-02-28T23:59:59.999Z', '2026-02-29T00:00:00.000Z', '2026-02-30T00:00:00.000Z', '2026-04-31T00:00:00.000Z', '2026-13-01T00:00:00.000Z',
  '2024-02-29T00:00:00.000Z', '2000-02-29T00:00:00.000Z', '2100-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '1600-02-29T12:00:00.000Z',
  '2026-12-31T23:59:60Z', '2026-12-31T23:59:60.000Z', '2026-12-31T24:00:00Z', '2026-12-31T23:60:00Z',
  '2026-03-02T09:00:00+05:30', '2026-03-02T09:00:00-05:30', '2026-03-02T09:00:00+0530', '2026-03-02T09:00:00+05', '2026-03-02T09:00:00+00:00',
  '2026-03-02T09:00:00-00:00', '2026-03-02T09:00:00+14:00', '2026-03-02T09:00:00+24:00', '2026-03-02T09:00:00+99:99', '2026-03-02T09:00:00.000+01:00',
  '2026-03-02t09:00:00.000Z', '2026-03-02T09:00:00.000z', '2026-03-02 09:00:00.000Z', ' 2026-03-02T09:00:00.000Z', '2026-03-02T09:00:00.000Z ',
  ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `2026-03-02T09:00:00.${'123456789'.slice(0, n)}Z`),
  '2026-03-02T09:00:00.Z', '2026-03-02T09:00:00,123Z', '2026-03-02T09:00:00.9999999999999999Z', '2026-03-02T09:00:00.99999Z',
  '0000-01-01T00:00:00.000Z', '0000-02-29T00:00:00.000Z', '0001-01-01T00:00:00.000Z', '1969-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z',
  '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999+01:00', '9999-12-31T23:59:59.999-01:00', '+010000-01-01T00:00:00.000Z', '-000001-01-01T00:00:00.000Z',
  // Offsets Date cannot read, and offsets that move year 0000 or 9999 out of the 4-digit years (issue 9, bad inputs).
  '2026-03-02T09:00:00-99:00', '2026-03-02T09:00:00-24:00', '2026-03-02T09:00:00+23:59', '0000-01-01T00:00:00.000+01:00', '0000-01-01T00:00:00-01:00',
  '9999-12-31T23:59:59.999-14:00', '9999-12-31T23:00:00+01:00',
  '2026-03-02T09:00:00.000Z'.repeat(2), '2026-0３-02T09:00:00.000Z', '', 'yesterday', 1772442000000, new Date(1772442000000), null, undefined, {},
];

const LONG = 'x'.repeat(100_000);

/** Values that break, or nearly break, some field's rule: types, lengths, ranges, enums, unicode. */
export const VALUES: readonly unknown[] = [
  undefined, null, true, false, 0, -0, 1, -1, -5, 1.5, 0.1, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 53, 2 ** 53 + 2, Number.MAX_VALUE,
  1000, 1001, 30 * 24 * 3600 * 1000, 30 * 24 * 3600 * 1000 + 1, '5', '', ' ', 'a', 'a'.repeat(64), 'a'.repeat(65), 'a'.repeat(128), 'a'.repeat(129), LONG,
  'a:b', 'a b', 'a/b', 'a{b}', 'Ä', 'é'.repeat(64), '用户-7', '😀', '😀'.repeat(32), '😀'.repeat(33), 'a\u0000b', 'a\nb', 'A-z_0.9',
  [], ['billing'], ['bad id'], [1], [null], ['q'.repeat(65)], Array.from({ length: 256 }, (_, i) => `q${i}`), Array.from({ length: 257 }, (_, i) => `q${i}`),
  {}, { a: 1 }, new Date(0), () => 1, Symbol('s'), 10n,
  ...CHANNELS, ...DIRECTIONS, ...FLOW_OUT_REASONS, ...AGENT_STATES, ...EVENT_TYPES, 'call.parked', 'Voice', 'call.offered ',
];

/** The outcome of a validation, comparable with toStrictEqual: the verdict, the output and its key order, or the error. */
export type Outcome =
  | { ok: true; event: unknown; keys: string[] }
  | { ok: false; code: string; message: string; retriable: boolean; cause: string | undefined }
  | { threw: string };

export function outcomeOf(result: ValidationResult): Outcome {
  if (result.ok) return { ok: true, event: result.event, keys: Object.keys(result.event) };
  const { error } = result;
  return { ok: false, code: error.code, message: error.message, retriable: error.retriable, cause: error.cause === undefined ? undefined : String(error.cause) };
}

export function outcome(run: () => ValidationResult): Outcome {
  try {
    return outcomeOf(run());
  } catch (err) {
    return { threw: err instanceof CallboardError ? `${err.code}: ${err.message}` : String(err) };
  }
}

export async function outcomeAsync(run: () => Promise<ValidationResult>): Promise<Outcome> {
  try {
    return outcomeOf(await run());
  } catch (err) {
    return { threw: err instanceof CallboardError ? `${err.code}: ${err.message}` : String(err) };
  }
}

/** Every single-field mutation of `event`: each field deleted, or set to each value and each timestamp. */
export function* fieldMutations(event: Record<string, unknown>): Generator<Record<string, unknown>> {
  for (const field of FIELDS) {
    const without = { ...event };
    delete without[field];
    yield without;
    for (const value of [...VALUES, ...TIMESTAMPS]) yield { ...event, [field]: value };
  }
}

/** An event with several fields mutated at once (each with probability `rate`), and sometimes another type. */
export function randomMutation(random: Random, event: Record<string, unknown>, rate: number): Record<string, unknown> {
  const out: Record<string, unknown> = { ...event };
  for (const field of FIELDS) {
    if (random.next() >= rate) continue;
    const r = random.next();
    if (r < 0.15) delete out[field];
    else if (r < 0.45 && field === 'occurredAt') out[field] = random.pick(TIMESTAMPS);
    else out[field] = random.pick(VALUES);
  }
  return out;
}
