import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { type AvroRecordSchema, loadSchema, parseEvent, toAvro, valueSubject } from '../src/index.js';
import { SAMPLE_EVENTS } from './fixtures.js';

/** The call-event schema as issue 10 shipped it, before the wave 2 fields (issue 11). */
const V1_TEXT = readFileSync(new URL('./fixtures-v1/call-event.avsc', import.meta.url), 'utf8');
const V1 = JSON.parse(V1_TEXT) as AvroRecordSchema;
const CALL_EVENTS = SAMPLE_EVENTS.filter((e) => e.type.startsWith('call.'));

describe('v1 call events after the wave 2 contract (issue 11 acceptance 4)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack('wave2-compat');
  });
  afterAll(async () => stack?.cleanup());

  it('adds only optional fields with null defaults, at the end, so v1 bodies are a prefix of the new ones', () => {
    const now = loadSchema('call-event').schema;
    expect(now.fields.slice(0, V1.fields.length)).toEqual(V1.fields);
    for (const field of now.fields.slice(V1.fields.length)) expect(field).toMatchObject({ type: ['null', expect.any(String)], default: null });
  });

  it('decodes records a v1 producer wrote with the v1 schema id, and the registry takes the new schema as BACKWARD', async () => {
    const subject = valueSubject(stack.topology.callEvents.name);
    // A subject that starts at v1, as a cluster provisioned before issue 11 does.
    const fresh = `${subject}-v1`;
    const { id: v1Id } = await stack.codec.registry.register({ type: SchemaType.AVRO, schema: V1_TEXT }, { subject: fresh });
    const { id: newId } = await stack.codec.registry.register({ type: SchemaType.AVRO, schema: loadSchema('call-event').text }, { subject: fresh });
    expect(newId).not.toBe(v1Id);
    for (const input of CALL_EVENTS) {
      const event = parseEvent(input);
      const bytes = await stack.codec.registry.encode(v1Id, toAvro(V1, event));
      expect(await stack.codec.decodeEvent(bytes)).toEqual({ ok: true, event });
    }
  });

  it('keeps every v1 JSON event valid, with no wave 2 field added to it', () => {
    for (const input of SAMPLE_EVENTS.slice(0, 6)) {
      const event = parseEvent(input);
      expect(Object.keys(event).sort()).toEqual(Object.keys(input).sort());
      expect(event).not.toHaveProperty('firstResponseMs');
      expect(event).not.toHaveProperty('success');
    }
  });
});
