import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../services/simulator/src/index.js';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { avroBodyRefusal, MAX_ZERO_WIDTH_ITEMS, minWidth } from '../src/avro-guard.js';
import { WIRE_HEADER_BYTES } from '../src/index.js';
import { SAMPLE_EVENTS } from './fixtures.js';
import { cat, frame, hostileAgentBodies, instantOutOfRangeBody, long, poisonOfferBody, SHIPPED, typeOf } from './hostile-frames.js';

/**
 * Issue 9, hostile frames: avsc 5.7.9 trusts the counts it reads, and a record whose bytes make it
 * read an array count of 174,895,934 aborts the whole process (V8 "Fatal JavaScript invalid size
 * error"). Each frame here used to kill or hang the process that decoded it, or be read past its end;
 * each must come back refused as CB_EVENT_AVRO_DECODE, decoded in this very process.
 */

describe('the Avro guard, on its own', () => {
  it('refuses every hostile agent-event body with a message that says why', () => {
    const agent = typeOf('agent-event');
    for (const { name, body, refusal } of hostileAgentBodies()) expect(avroBodyRefusal(agent, body), name).toMatch(refusal);
    expect(poisonOfferBody().length + WIRE_HEADER_BYTES).toBe(97);
  });

  it('refuses a huge map count (an alert record labels map) and a string key past the end', () => {
    const alert = typeOf('alert');
    const value = {
      fingerprint: 'f', kind: 'fire', ruleId: 'r', ruleName: 'n', severity: 'page', tenantId: 't', queueId: 'q', metric: 'm', window: null, state: 'firing',
      previousState: null, value: null, fireThreshold: null, clearThreshold: null, since: new Date(0), firedAt: null, resolvedAt: null, episode: 1,
      ackBy: null, ackAt: null, silencedBy: null, labels: {}, at: new Date(1000),
    };
    const body = alert.toBuffer(value);
    const at = long(1000);
    const beforeLabels = body.subarray(0, body.length - at.length - 1);
    expect(alert.fromBuffer(cat(beforeLabels, [0], at))).toMatchObject({ labels: {} });
    expect(avroBodyRefusal(alert, cat(beforeLabels, long(2 ** 40), at))).toMatch(/^map block count 1099511627776 at byte \d+ exceeds the 2 bytes left$/);
    expect(avroBodyRefusal(alert, cat(beforeLabels, long(-(2 ** 45)), long(3), at))).toMatch(/^map block count 35184372088832 /);
    expect(avroBodyRefusal(alert, cat(beforeLabels, long(1), long(50), Buffer.from('k')))).toMatch(/^a string or bytes length 50 at byte \d+ exceeds the 1 bytes left$/);
    const labelled = alert.toBuffer({ ...value, labels: { team: 'billing', site: 'oslo' } });
    expect(avroBodyRefusal(alert, labelled)).toBeUndefined();
  });

  it('bounds items of a zero-width type (null, an empty record) by a cap, not by bytes, and allows those below it', () => {
    const nulls = avro.Type.forSchema({ type: 'array', items: 'null' }) as avro.types.ArrayType;
    const empties = avro.Type.forSchema({ type: 'map', values: { type: 'record', name: 'Empty', fields: [] } });
    expect(minWidth(nulls.itemsType)).toBe(0);
    expect(avroBodyRefusal(nulls, cat(long(1000), [0]))).toBeUndefined();
    expect(nulls.fromBuffer(cat(long(1000), [0]))).toHaveLength(1000);
    expect(avroBodyRefusal(nulls, cat(long(MAX_ZERO_WIDTH_ITEMS), [0]))).toBeUndefined();
    expect(avroBodyRefusal(nulls, cat(long(MAX_ZERO_WIDTH_ITEMS), long(1), [0]))).toMatch(/^array block count 1 at byte \d+ exceeds 65536 items of a zero-width type$/);
    expect(avroBodyRefusal(nulls, cat(long(2 ** 40), [0]))).toMatch(/^array block count 1099511627776 at byte 0 exceeds 65536 items of a zero-width type$/);
    // A map entry is never zero-width: its key takes at least a byte.
    expect(minWidth((empties as unknown as { valuesType: avro.Type }).valuesType)).toBe(0);
    expect(avroBodyRefusal(empties, cat(long(2 ** 20), long(0), [0]))).toMatch(/^map block count 1048576 at byte 0 exceeds the 2 bytes left$/);
    expect(avroBodyRefusal(empties, cat(long(2), long(1), Buffer.from('a'), long(1), Buffer.from('b'), [0]))).toBeUndefined();
  });

  it('refuses a recursive record nested deeper than the stack instead of throwing', () => {
    const list = avro.Type.forSchema({ type: 'record', name: 'Link', fields: [{ name: 'next', type: ['null', 'Link'] }] });
    expect(avroBodyRefusal(list, cat(Array.from({ length: 100 }, () => 2), [0]))).toBeUndefined();
    expect(avroBodyRefusal(list, cat(Array.from({ length: 1_000_000 }, () => 2), [0]))).toMatch(/^nested deeper than the stack allows \(Maximum call stack size exceeded\)$/);
  });

  it('knows the smallest encoding of every kind of type', () => {
    const type = avro.Type.forSchema({
      type: 'record',
      name: 'All',
      fields: [
        { name: 'n', type: 'null' }, { name: 'b', type: 'boolean' }, { name: 'i', type: 'int' }, { name: 'l', type: 'long' }, { name: 'f', type: 'float' },
        { name: 'd', type: 'double' }, { name: 's', type: 'string' }, { name: 'y', type: 'bytes' }, { name: 'x', type: { type: 'fixed', name: 'F', size: 3 } },
        { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A'] } }, { name: 'a', type: { type: 'array', items: 'double' } }, { name: 'm', type: { type: 'map', values: 'double' } },
        { name: 'u', type: ['double', 'float'] },
      ],
    }) as avro.types.RecordType;
    expect(type.fields.map((f) => minWidth(f.type))).toEqual([0, 1, 1, 1, 4, 8, 1, 1, 3, 1, 1, 1, 5]);
    expect(minWidth(type)).toBe(28);
  });

  it('lets every valid encoding through, of every shipped schema and of every kind of type, a recursive one included', () => {
    const extra = avro.Type.forSchema({
      type: 'record',
      name: 'Node',
      fields: [
        { name: 'f', type: 'float' }, { name: 'd', type: 'double' }, { name: 'y', type: 'bytes' }, { name: 'x', type: { type: 'fixed', name: 'F', size: 2 } },
        { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] } }, { name: 'm', type: { type: 'map', values: { type: 'array', items: ['null', 'int', 'string'] } } },
        { name: 'n', type: { type: 'array', items: 'null' } }, { name: 'next', type: ['null', 'Node'] },
      ],
    });
    // Plain longs for the instants: avsc's random longs go beyond Date's range.
    const types = [...SHIPPED.map((name) => typeOf(name, false)), extra, avro.Type.forSchema(['null', 'string', { type: 'map', values: 'long' }], { wrapUnions: true })];
    for (const type of types) {
      for (let i = 0; i < 300; i += 1) {
        const body = type.toBuffer(type.random());
        expect(avroBodyRefusal(type, body), `${type.name ?? type.typeName} ${body.toString('hex')}`).toBeUndefined();
        expect(type.toBuffer(type.fromBuffer(body)).equals(body)).toBe(true);
      }
    }
  });

  it('never lets a broken body crash or hang avsc: truncated, extended, bit-flipped and random bodies of every shipped schema', () => {
    const random = Random.fromSeed(20260302, 'avro-guard-fuzz');
    let refused = 0;
    let decoded = 0;
    let threw = 0;
    for (const name of SHIPPED) {
      const type = typeOf(name, false);
      const valid = Array.from({ length: 50 }, () => type.toBuffer(type.random()));
      for (let i = 0; i < 3000; i += 1) {
        const base = random.pick(valid);
        const r = random.next();
        let body: Buffer;
        if (r < 0.25) body = base.subarray(0, random.int(0, base.length));
        else if (r < 0.5) {
          body = Buffer.from(base);
          for (let k = random.int(1, 4); k > 0; k -= 1) {
            const at = random.int(0, body.length);
            body[at] = body[at]! ^ (1 << random.int(0, 8));
          }
        } else if (r < 0.75) {
          const at = random.int(0, base.length + 1);
          body = cat(base.subarray(0, at), Array.from({ length: random.int(1, 12) }, () => random.int(0, 256)), base.subarray(at));
        } else body = Buffer.from(Array.from({ length: random.int(0, 200) }, () => random.int(0, 256)));
        if (avroBodyRefusal(type, body) !== undefined) {
          refused += 1;
          continue;
        }
        try {
          type.fromBuffer(body);
          decoded += 1;
        } catch {
          threw += 1; // trailing data, an enum index, a long beyond 2^53: avsc refuses those itself
        }
      }
    }
    expect(refused).toBeGreaterThan(1000);
    expect(decoded + threw).toBeGreaterThan(1000);
  });
});

describe('hostile frames through the codec and the real Schema Registry', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack('avro-guard');
  });
  afterAll(async () => stack?.cleanup());

  it('refuses each as CB_EVENT_AVRO_DECODE on the new and the old decode path, the first record of the schema id included', async () => {
    const agentId = await stack.codec.schemaId(stack.topology.agentEvents.name);
    const { EventCodec } = await import('../src/index.js');
    for (const { name, body, refusal } of hostileAgentBodies()) {
      const bytes = frame(agentId, body);
      // A fresh codec: its first record of the id goes through the registry client.
      const fresh = new EventCodec(stack.codec.registry, { topology: stack.topology });
      for (const [path, result] of [
        ['first of its id', await fresh.decodeEvent(bytes)],
        ['known id', await fresh.decodeEvent(bytes)],
        ['old path', await stack.codec.decodeEventReference(bytes)],
        ['decode', await stack.codec.decode(bytes)],
      ] as const) {
        expect(result.ok, `${name}, ${path}`).toBe(false);
        if (result.ok) continue;
        expect(result.error.code, `${name}, ${path}`).toBe('CB_EVENT_AVRO_DECODE');
        expect(result.error.message, `${name}, ${path}`).toMatch(new RegExp(`^Avro decoding failed: ${refusal.source.slice(1)}`));
      }
    }
    // The 97-byte record of the report: a call.offered body framed with the agent schema's id.
    const poison = frame(agentId, poisonOfferBody());
    expect(poison.length).toBe(97);
    expect(await stack.codec.decodeEvent(poison)).toMatchObject({ ok: false, error: { code: 'CB_EVENT_AVRO_DECODE', message: expect.stringMatching(/^Avro decoding failed: array block count \d+ at byte 80 exceeds the \d+ bytes left$/) } });
  });

  it('refuses an instant beyond the range of a date as CB_EVENT_AVRO_DECODE instead of throwing a RangeError', async () => {
    const callId = await stack.codec.schemaId(stack.topology.callEvents.name);
    // Beyond Date's range on the positive side only: avsc reads a long past 2^52 through a float, and
    // every negative one that far out comes back positive (its zig-zag form loses the low bit).
    for (const ms of [8.64e15 + 1, 8.64e15 + 2, 9e15]) {
      const bytes = frame(callId, instantOutOfRangeBody(SAMPLE_EVENTS[0]!, ms));
      for (const result of [await stack.codec.decodeEvent(bytes), await stack.codec.decodeEventReference(bytes), await stack.codec.decode(bytes)]) {
        expect(result).toMatchObject({ ok: false, error: { code: 'CB_EVENT_AVRO_DECODE', message: `Avro decoding failed: timestamp-millis ${ms} is outside the range of a date` } });
      }
    }
    // The edge of Date's range still decodes (and the contract refuses the 6-digit year it prints).
    const edge = await stack.codec.decode(frame(callId, instantOutOfRangeBody(SAMPLE_EVENTS[0]!, 8.64e15)));
    expect(edge).toMatchObject({ ok: true, value: { occurredAt: '+275760-09-13T00:00:00.000Z' } });
  });
});
