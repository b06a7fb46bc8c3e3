import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { createTestStack, infra, type TestStack } from '../../../test/helpers/infra.js';
import { isAgentEvent, isCallEvent, isComplaintEvent, loadSchema, parseEvent, toAvro, valueSubject, wireSchemaId } from '../src/index.js';
import { SAMPLE_EVENTS } from './fixtures.js';

describe('codec through the real Schema Registry', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack('codec');
  });
  afterAll(async () => stack?.cleanup());

  it('round-trips every event type in the Confluent wire format', async () => {
    for (const input of SAMPLE_EVENTS) {
      const event = parseEvent(input);
      const record = await stack.codec.encodeEvent(event);
      expect(record.value[0]).toBe(0);
      const id = wireSchemaId(record.value)!;
      const subjectId = await stack.codec.registry.getLatestSchemaId(valueSubject(record.topic));
      expect(id).toBe(subjectId);
      expect(record.value.readInt32BE(1)).toBe(id);
      expect(record.key).toBe(isAgentEvent(event) ? event.agentId : isCallEvent(event) ? event.callId : isComplaintEvent(event) ? event.complaintId : event.surveyId);
      const decoded = await stack.codec.decodeEvent(record.value);
      expect(decoded).toEqual({ ok: true, event });
    }
  });

  it('validates after decoding: Avro carries waitMs -5, the contract refuses it', async () => {
    const topic = stack.topology.callEvents.name;
    const id = await stack.codec.schemaId(topic);
    const avro = toAvro(loadSchema('call-event').schema, { ...parseEvent(SAMPLE_EVENTS[1]), waitMs: -5 });
    const bytes = await stack.codec.registry.encode(id, avro);
    const decoded = await stack.codec.decodeEvent(bytes);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) {
      expect(decoded.error.code).toBe('CB_EVENT_INVALID');
      expect(decoded.error.message).toMatch(/waitMs/);
    }
  });

  it('refuses bytes that are not in the wire format, or whose Avro body is broken', async () => {
    expect(await stack.codec.decodeEvent(Buffer.from('{"json":true}'))).toMatchObject({ ok: false, error: { code: 'CB_EVENT_NOT_WIRE_FORMAT' } });
    expect(await stack.codec.decodeEvent(null)).toMatchObject({ ok: false, error: { code: 'CB_EVENT_NOT_WIRE_FORMAT' } });
    const good = (await stack.codec.encodeEvent(parseEvent(SAMPLE_EVENTS[0]))).value;
    const truncated = good.subarray(0, 9);
    expect(await stack.codec.decodeEvent(truncated)).toMatchObject({ ok: false, error: { code: 'CB_EVENT_AVRO_DECODE' } });
  });

  it('calls an unknown schema id bad data, after looking again', async () => {
    const bytes = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2, 3]);
    expect(await stack.codec.decodeEvent(bytes)).toMatchObject({ ok: false, error: { code: 'CB_EVENT_SCHEMA_UNKNOWN' } });
  });

  it('lets the registry enforce BACKWARD evolution: a compatible change registers, a breaking one is refused', async () => {
    const subject = valueSubject(stack.topology.callEvents.name);
    const base = loadSchema('call-event').schema;
    const compatible = { ...base, fields: [...base.fields, { name: 'campaignId', type: ['null', 'string'], default: null }] };
    const { id } = await stack.codec.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(compatible) }, { subject });
    expect(id).toBeGreaterThan(0);
    // A new required field without a default cannot read the old records.
    const breaking = { ...base, fields: [...base.fields, { name: 'mustHave', type: 'string' }] };
    await expect(stack.codec.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(breaking) }, { subject })).rejects.toMatchObject({ status: 409 });
    const config = await (await fetch(`${infra.registryUrl}/config/${encodeURIComponent(subject)}`)).json();
    expect(config).toMatchObject({ compatibilityLevel: 'BACKWARD' });
  });
});

describe('codec with the registry down', () => {
  it('throws a retriable CB_REGISTRY_UNAVAILABLE, never calls the record bad', async () => {
    const { EventCodec, createSchemaRegistry } = await import('../src/index.js');
    // Port 9 (discard) is closed on this machine: a real refused connection, no stand-in.
    const codec = new EventCodec(createSchemaRegistry('http://127.0.0.1:9'));
    const bytes = Buffer.from([0, 0, 0, 0, 1, 2, 3]);
    await expect(codec.decodeEvent(bytes)).rejects.toMatchObject({ code: 'CB_REGISTRY_UNAVAILABLE', retriable: true });
  });
});
