import avro from 'avsc';
import { expect } from 'vitest';
import { loadSchema, parseEvent, toAvro, WIRE_HEADER_BYTES, type CanonicalEventInput } from '../src/index.js';
import type { SchemaName } from '../src/topics.js';
import { TimestampMillisType } from '../src/timestamp-millis.js';
import { SAMPLE_EVENTS } from './fixtures.js';

/**
 * Avro bodies no real record has (issue 9, hostile frames): each made avsc 5.7.9 abort the process,
 * spin, or read past the end. Used by avro-guard.test.ts and test/e2e/hostile-frames.test.ts.
 */

export const SHIPPED: SchemaName[] = ['call-event', 'agent-event', 'kpi-snapshot', 'alert', 'dlq-record', 'late-record', 'source-heartbeat'];
/** A fresh avsc type of a shipped schema (avsc keeps named types in the options object, so a fresh one each time). */
export const typeOf = (name: SchemaName, instants = true): avro.Type =>
  avro.Type.forSchema(loadSchema(name).schema as avro.Schema, instants ? { logicalTypes: { 'timestamp-millis': TimestampMillisType } } : {});

/** An Avro long (zig-zag varint), as avsc writes it. */
export function long(n: number): Buffer {
  const type = avro.Type.forSchema('long');
  return type.toBuffer(n);
}
/** A long beyond 2^53 (avsc's writer refuses those): `n`'s zig-zag as a varint, built by hand. */
export function hugeLong(zigzag: bigint): Buffer {
  const out: number[] = [];
  let z = zigzag;
  do {
    out.push(Number(z & 0x7fn) | (z > 0x7fn ? 0x80 : 0));
    z >>= 7n;
  } while (z > 0n);
  return Buffer.from(out);
}
export const cat = (...parts: (Buffer | number[])[]): Buffer => Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));

const agentEvent = SAMPLE_EVENTS[5] as CanonicalEventInput & { queueIds: string[] };
/** The agent event's body up to its `queueIds` array: the body with no queue ids ends with count 0 and a null source. */
function agentBodyBeforeQueueIds(): Buffer {
  const body = typeOf('agent-event').toBuffer(toAvro(loadSchema('agent-event').schema, { ...parseEvent(agentEvent), queueIds: [] }));
  expect([...body.subarray(-2)]).toEqual([0, 0]);
  return body.subarray(0, -2);
}
/** The agent event's body up to its `reason` union (index, then the string). */
export function agentBodyBeforeReason(): Buffer {
  const full = typeOf('agent-event').toBuffer(toAvro(loadSchema('agent-event').schema, { ...parseEvent(agentEvent), reason: undefined, queueIds: [] }));
  return full.subarray(0, -3);
}
/** A call.offered whose `reason` (a field an offer does not use) makes the agent schema read string bytes as a count. */
export const POISON_OFFER = { ...SAMPLE_EVENTS[0], reason: '用户-7' };
export function poisonOfferBody(): Buffer {
  // As the report's producer wrote it, with the v1 call schema: the wave 2 fields (issue 11) are the
  // last two, each a null union index of one byte, so the v1 body is this one without them.
  return typeOf('call-event').toBuffer(toAvro(loadSchema('call-event').schema, POISON_OFFER as Record<string, unknown>)).subarray(0, -2);
}

/** Hostile agent-event bodies, each with the refusal it must get. */
export function hostileAgentBodies(): { name: string; body: Buffer; refusal: RegExp }[] {
  const beforeIds = agentBodyBeforeQueueIds();
  const [eventIdLength] = [...long(String(agentEvent.eventId).length)];
  const full = typeOf('agent-event').toBuffer(toAvro(loadSchema('agent-event').schema, parseEvent(agentEvent)));
  expect(full[0]).toBe(eventIdLength);
  const items = cat(long(1), Buffer.from('a'), long(1), Buffer.from('b'));
  return [
    { name: 'a call.offered body read with the agent schema (97 bytes framed)', body: poisonOfferBody(), refusal: /^array block count \d+ at byte \d+ exceeds the \d+ bytes left$/ },
    { name: 'an array count of 2^40 and nothing after it', body: cat(beforeIds, long(2 ** 40)), refusal: /^array block count 1099511627776 at byte \d+ exceeds the 0 bytes left$/ },
    { name: 'an array count of a million with a few items', body: cat(beforeIds, long(1_000_000), items, [0, 0]), refusal: /^array block count 1000000 at byte \d+ exceeds the 6 bytes left$/ },
    { name: 'a huge negative block count with a huge byte size', body: cat(beforeIds, long(-(2 ** 40)), long(2 ** 50), items, [0, 0]), refusal: /^array block count 1099511627776 at byte \d+ exceeds the 6 bytes left$/ },
    { name: 'a count beyond 2^53 (the float path of the varint)', body: cat(beforeIds, hugeLong(2n ** 70n), [0, 0]), refusal: /^array block count [\d.e+]+ at byte \d+ exceeds the 2 bytes left$/ },
    { name: 'a second block whose count exceeds what the first left', body: cat(beforeIds, long(2), items, long(5), Buffer.from('c'), [0, 0]), refusal: /^array block count 5 at byte \d+ exceeds the 3 bytes left$/ },
    { name: 'truncated after a count', body: cat(beforeIds, long(3)), refusal: /^array block count 3 at byte \d+ exceeds the 0 bytes left$/ },
    { name: 'truncated inside a count', body: cat(beforeIds, [0x80, 0x80]), refusal: /^truncated: a value at byte \d+ runs past the end of the \d+-byte body$/ },
    { name: 'a string length of 2^40', body: cat(long(2 ** 40), full.subarray(1)), refusal: /^a string or bytes length 1099511627776 at byte 0 exceeds the \d+ bytes left$/ },
    { name: 'a negative string length', body: cat(long(-5), full.subarray(1)), refusal: /^a string or bytes length at byte 0 is negative \(-5\)$/ },
    { name: 'a string one byte longer than the body', body: cat(long(full.length), full.subarray(1)), refusal: /^a string or bytes length \d+ at byte 0 exceeds the \d+ bytes left$/ },
    { name: 'a union index out of range', body: cat(agentBodyBeforeReason(), long(7), [0, 0]), refusal: /^union index 7 at byte \d+ is out of range \(2 branches\)$/ },
    { name: 'a negative union index', body: cat(agentBodyBeforeReason(), long(-1), [0, 0]), refusal: /^union index -1 at byte \d+ is out of range \(2 branches\)$/ },
  ];
}

/** `body` in the Confluent wire format under schema id `id`. */
export function frame(id: number, body: Buffer): Buffer {
  const header = Buffer.alloc(WIRE_HEADER_BYTES);
  header.writeInt32BE(id, 1);
  return Buffer.concat([header, body]);
}

/** A call event's body with `occurredAt` as a long beyond Date's range (8.64e15 ms), written with plain longs. */
export function instantOutOfRangeBody(event: CanonicalEventInput, occurredAtMs: number): Buffer {
  const plain = avro.Type.forSchema(loadSchema('call-event').schema as avro.Schema);
  return plain.toBuffer({ ...toAvro(loadSchema('call-event').schema, parseEvent(event)), occurredAt: occurredAtMs });
}
