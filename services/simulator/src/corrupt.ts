import { formatJsonLine, type CanonicalEvent } from '@callboard/events';
import { Random } from './random.js';
import type { CorruptionMode } from './stream-item.js';

/**
 * The event with one field that breaks contract v1 but still has the right JSON (and Avro) type,
 * so it decodes and then fails validation: `waitMs: -5`, `talkMs: -5`, an unknown channel or state.
 * A Kafka sink can encode this with the real schema to exercise the validate-then-DLQ path.
 */
export function invalidFieldVariant(event: CanonicalEvent): Record<string, unknown> {
  switch (event.type) {
    case 'call.answered':
    case 'call.abandoned':
    case 'call.flowed_out':
      return { ...event, waitMs: -5 };
    case 'call.completed':
      return { ...event, talkMs: -5 };
    case 'call.offered':
      return { ...event, channel: 'carrier-pigeon' };
    case 'agent.state_changed':
      return { ...event, state: 'asleep' };
    case 'complaint.filed':
      return { ...event, severity: 'apocalyptic' };
    case 'complaint.responded':
      return { ...event, complaintId: '' };
    case 'complaint.resolved':
      return { ...event, outcome: 'forgotten' };
    case 'survey.completed':
      return { ...event, csat: 9 };
  }
}

/**
 * Bytes that are not a record at all, derived from the event id so they are deterministic. The
 * first byte is never 0, the Confluent wire-format magic byte, so a decoder refuses them at once
 * instead of looking up a random schema id.
 */
export function garbageBytes(event: CanonicalEvent, length = 48): Buffer {
  const rng = Random.fromSeed(0, `garbage/${event.eventId}`);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) bytes[i] = rng.int(0, 256);
  bytes[0] = 0xff;
  return bytes;
}

/**
 * One line of a JSON-lines file standing for a corrupt record, without the newline:
 * - `garbage-bytes`: printable noise that is not JSON;
 * - `truncated`: the first half of the event's JSON, as if the writer died mid-line;
 * - `invalid-field`: complete JSON that fails validation ({@link invalidFieldVariant}).
 */
export function corruptJsonLine(event: CanonicalEvent, mode: CorruptionMode): string {
  switch (mode) {
    case 'garbage-bytes':
      // Base64 of random bytes behind a '~' is never valid JSON and never holds a newline.
      return `~${garbageBytes(event).toString('base64')}`;
    case 'truncated': {
      const line = formatJsonLine(event).trimEnd();
      return line.slice(0, Math.floor(line.length / 2));
    }
    case 'invalid-field':
      return JSON.stringify(invalidFieldVariant(event));
  }
}
