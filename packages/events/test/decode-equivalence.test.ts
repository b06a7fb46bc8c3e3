import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { compileFastParser } from '../src/fast-parse.js';
import {
  contractFastParser,
  formatJsonLine,
  fromAvro,
  isUtcIsoUnchanged,
  loadSchema,
  toAvro,
  toUtcIso,
  validateEvent,
  validateEventWithZod,
  wireSchemaId,
  type CanonicalEvent,
} from '../src/index.js';
import { fromAvroReference } from '../src/schemas.js';
import { Random } from '../../../services/simulator/src/index.js';
import { fieldMutations, outcome, outcomeAsync, randomMutation, simulatedEvents, TIMESTAMPS, VALUES, type Outcome } from './decode-cases.js';
import { SAMPLE_EVENTS } from './fixtures.js';

/**
 * Issue 9 item 5: the cheaper decode path (compiled contract parser, fromAvro without pairs, Avro types
 * kept by schema id) gives the same verdict, error code, message and event as the plain path
 * (zod alone, fromAvroReference, every record through the registry client), on the simulator's events
 * and on systematic and random mutations of them.
 */

let events: CanonicalEvent[];
beforeAll(async () => {
  events = await simulatedEvents(4);
});

/** The first few events of every type, and the samples: the bases the mutations start from. */
function mutationBases(perType: number): Record<string, unknown>[] {
  const byType = new Map<string, CanonicalEvent[]>();
  for (const e of events) {
    const list = byType.get(e.type) ?? [];
    if (list.length < perType) byType.set(e.type, [...list, e]);
  }
  return [...SAMPLE_EVENTS, ...[...byType.values()].flat()] as Record<string, unknown>[];
}

function expectSameValidation(inputs: Iterable<unknown>): { fast: number; total: number } {
  let fast = 0;
  let total = 0;
  for (const input of inputs) {
    total += 1;
    const expected = outcome(() => validateEventWithZod(input));
    const actual = outcome(() => validateEvent(input));
    // isDeepStrictEqual first: vitest's matcher on every one of 100,000 inputs would take most of the run.
    if (!isDeepStrictEqual(actual, expected)) expect({ input, outcome: actual }).toStrictEqual({ input, outcome: expected });
    if (contractFastParser.parse(input) !== undefined) {
      fast += 1;
      // The compiled parser only ever says "valid" where zod does.
      expect(expected).toMatchObject({ ok: true });
    }
  }
  return { fast, total };
}

describe('compiled contract parser', () => {
  it('covers every type and check of contract v1 (none makes it unsure everywhere)', () => {
    expect(contractFastParser.unsupported).toEqual([]);
  });

  it('is never sure of a rule it does not know, so zod decides', () => {
    const parser = compileFastParser(z.object({ email: z.string().email(), n: z.number().multipleOf(3), r: z.string().refine((s) => s !== 'x') }));
    expect(parser.unsupported).toEqual(['string check email', 'number check multipleOf', 'effect refinement']);
    expect(parser.parse({ email: 'a@b.io', n: 3, r: 'y' })).toBeUndefined();
  });

  it('skips the Date round trip only where toUtcIso returns its input unchanged', () => {
    // Every instant the `instant` check accepts among the timestamps, and one per day of years 0000 to 9999.
    const accepted = TIMESTAMPS.filter((t): t is string => typeof t === 'string' && z.string().datetime({ offset: true }).safeParse(t).success);
    const random = Random.fromSeed(9, 'decode-equivalence');
    for (let i = 0; i < 20_000; i += 1) accepted.push(new Date(-62167219200000 + Math.floor(random.next() * 315537897600000)).toISOString());
    accepted.push('0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2024-02-29T23:59:59.999Z');
    for (const s of accepted) if (isUtcIsoUnchanged(s)) expect(toUtcIso(s)).toBe(s);
    expect(accepted.filter(isUtcIsoUnchanged).length).toBeGreaterThan(20_000);
  });

  it('validates every simulated event as zod does, and is sure of each', () => {
    const jsonForms = events.map((e) => JSON.parse(formatJsonLine(e)) as unknown);
    const { fast, total } = expectSameValidation([...events, ...jsonForms]);
    expect(total).toBeGreaterThan(4000);
    expect(fast).toBe(total);
  });

  it('gives zod verdict, message and output for every single-field mutation', () => {
    const inputs: unknown[] = [];
    for (const base of mutationBases(2)) for (const m of fieldMutations(base)) inputs.push(m);
    const { fast, total } = expectSameValidation(inputs);
    expect(total).toBeGreaterThan(40_000);
    // Both verdicts occur: many mutations are refused, others (an optional field dropped, a field of another type) are not.
    expect(fast).toBeGreaterThan(1000);
    expect(total - fast).toBeGreaterThan(10_000);
  });

  it('gives zod verdict, message and output for random multi-field mutations', () => {
    const random = Random.fromSeed(20260302, 'decode-equivalence');
    const bases = mutationBases(20);
    const inputs: unknown[] = [];
    for (let i = 0; i < 30_000; i += 1) inputs.push(randomMutation(random, random.pick(bases), random.pick([0.02, 0.05, 0.2, 0.6])));
    expectSameValidation(inputs);
  });

  it('gives zod verdict for whatever is not a plain event object', () => {
    const [offer] = SAMPLE_EVENTS as Record<string, unknown>[];
    class Event {
      constructor(fields: Record<string, unknown>) {
        Object.assign(this, fields);
      }
    }
    const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, offer);
    const inherited = Object.create(offer!) as Record<string, unknown>;
    const thenable = { ...offer, then: () => undefined, catch: () => undefined };
    const withGetter = Object.defineProperty({ ...offer }, 'queueId', { get: () => 'billing', enumerable: true });
    class Ids extends Array<string> {}
    const sparse: string[] = new Array<string>(2);
    sparse[1] = 'billing';
    const agent = SAMPLE_EVENTS[5] as Record<string, unknown>;
    const { fast } = expectSameValidation([
      ...VALUES,
      new Event(offer!),
      nullProto,
      inherited,
      thenable,
      withGetter,
      { ...agent, queueIds: Ids.from(['billing']) },
      { ...agent, queueIds: sparse },
      JSON.parse(`{"__proto__": {"x": 1}, ${JSON.stringify(offer).slice(1)}`),
      { ...offer, constructor: 'x', toString: 1, hasOwnProperty: null },
    ]);
    // A null-prototype copy, a getter and junk own keys are plain enough; the rest go to zod.
    expect(fast).toBe(4);
  });
});

describe('decodeEvent against the plain path, through the real Schema Registry', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack('decode-eq');
  });
  afterAll(async () => stack?.cleanup());

  async function expectSameDecode(buffers: (Buffer | null)[]): Promise<void> {
    for (const buffer of buffers) {
      const expected = await outcomeAsync(() => stack.codec.decodeEventReference(buffer));
      const actual = await outcomeAsync(() => stack.codec.decodeEvent(buffer));
      if (!isDeepStrictEqual(actual, expected)) expect({ bytes: buffer?.toString('hex'), outcome: actual }).toStrictEqual({ bytes: buffer?.toString('hex'), outcome: expected });
    }
  }

  it('decodes every simulated event as before, the first record of each schema id included', async () => {
    const records = await Promise.all(events.slice(0, 3000).map((e) => stack.codec.encodeEvent(e)));
    const buffers = records.map((r) => r.value);
    // A fresh codec on the same registry: its first call of each id goes the long way.
    const { EventCodec } = await import('../src/index.js');
    const fresh = new EventCodec(stack.codec.registry, { topology: stack.topology });
    for (const b of buffers.slice(0, 20)) expect(await outcomeAsync(() => fresh.decodeEvent(b))).toStrictEqual(await outcomeAsync(() => stack.codec.decodeEventReference(b)));
    await expectSameDecode(buffers);
    const outcomes: Outcome[] = await Promise.all(buffers.map((b) => outcomeAsync(() => stack.codec.decodeEvent(b))));
    expect(outcomes.every((o) => 'ok' in o && o.ok)).toBe(true);
    expect(outcomes.map((o) => (o as { event: CanonicalEvent }).event)).toStrictEqual(events.slice(0, 3000).map((e) => validateEventWithZod(e)).map((r) => r.ok && r.event));
  });

  it('refuses every Avro-encodable mutation, and broken bytes, with the same code and message', async () => {
    const callId = await stack.codec.schemaId(stack.topology.callEvents.name);
    const agentId = await stack.codec.schemaId(stack.topology.agentEvents.name);
    const buffers: (Buffer | null)[] = [null, Buffer.alloc(0), Buffer.from([0]), Buffer.from([1, 0, 0, 0, 1, 2]), Buffer.from('{"json":true}')];
    const random = Random.fromSeed(5, 'decode-equivalence');
    const bases = mutationBases(3);
    const candidates = [...bases.flatMap((b) => [...fieldMutations(b)].filter(() => random.next() < 0.15)), ...Array.from({ length: 4000 }, () => randomMutation(random, random.pick(bases), 0.1))];
    // Instants as Avro longs beyond what the ISO form can hold: year 10000, and beyond Date's range.
    for (const ms of [-62167219200001, -62167219200000, 253402300799999, 253402300800000, 8.64e15, 8.64e15 + 1, -8.64e15 - 1]) candidates.push({ ...bases[0], occurredAt: ms });
    let encoded = 0;
    for (const candidate of candidates) {
      // What a producer encodes comes from JSON (a Date, function or symbol never reaches the encoder).
      let value: Record<string, unknown>;
      try {
        value = JSON.parse(JSON.stringify(candidate)) as Record<string, unknown>;
      } catch {
        continue;
      }
      const isAgent = value.type === 'agent.state_changed';
      const schema = loadSchema(isAgent ? 'agent-event' : 'call-event').schema;
      try {
        buffers.push(await stack.codec.registry.encode(isAgent ? agentId : callId, toAvro(schema, value)));
        encoded += 1;
      } catch {
        // Avro refuses it before the contract is asked (a string for a long, say).
      }
    }
    expect(encoded).toBeGreaterThan(1000);
    // Broken bytes: truncated, one byte too many, flipped bits in a call event's body, an agent event
    // under the call schema's id, a call event under the agent schema's id (avsc may then take string
    // bytes for an array count of millions: avro-guard.ts refuses those before avsc reads them).
    const good = buffers.slice(5, 400) as Buffer[];
    for (const b of good) {
      buffers.push(b.subarray(0, 5 + Math.floor(random.next() * (b.length - 5))), Buffer.concat([b, Buffer.from([random.next() * 256])]));
      if (wireSchemaId(b) === callId) {
        const flipped = Buffer.from(b);
        const at = 5 + Math.floor(random.next() * (b.length - 5));
        flipped[at] = flipped[at]! ^ (1 << Math.floor(random.next() * 8));
        const misread = Buffer.from(b);
        misread.writeInt32BE(agentId, 1);
        buffers.push(flipped, misread);
      } else {
        const other = Buffer.from(b);
        other.writeInt32BE(callId, 1);
        buffers.push(other);
      }
    }
    await expectSameDecode(buffers);
    const outcomes = await Promise.all(buffers.map((b) => outcomeAsync(() => stack.codec.decodeEvent(b))));
    const refused = outcomes.filter((o) => !('ok' in o) || !o.ok);
    expect(refused.length).toBeGreaterThan(1000);
    // Refused, never thrown; some of the misread call events by the guard's count check.
    expect(outcomes.filter((o) => 'threw' in o)).toEqual([]);
    expect(refused.filter((o) => 'message' in o && /^Avro decoding failed: array block count \d+ at byte \d+ exceeds the \d+ bytes left$/.test(o.message)).length).toBeGreaterThan(0);
  });

  it('turns Avro records into the same JSON form as before', async () => {
    const records = await Promise.all(events.slice(0, 500).map((e) => stack.codec.encodeEvent(e)));
    for (const r of records) {
      const avro = (await stack.codec.registry.decode(r.value)) as Record<string, unknown>;
      const a = fromAvro(avro);
      expect(a).toStrictEqual(fromAvroReference(avro));
      expect(Object.keys(a)).toEqual(Object.keys(fromAvroReference(avro)));
    }
    const nested = { a: null, b: [new Date(0), { c: new Date(1), d: null }], e: { f: [1, null] }, g: Buffer.from('x'), h: undefined, i: 0 };
    expect(fromAvro(nested)).toStrictEqual(fromAvroReference(nested));
  });

  it('still refuses an unknown schema id after looking again', async () => {
    const bytes = Buffer.from([0, 0x7f, 0xff, 0xff, 0xf1, 1, 2, 3]);
    await expectSameDecode([bytes]);
    expect(await stack.codec.decodeEvent(bytes)).toMatchObject({ ok: false, error: { code: 'CB_EVENT_SCHEMA_UNKNOWN' } });
  });
});
