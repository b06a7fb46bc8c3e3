import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { createTestStack, infra, type TestStack } from '../../../test/helpers/infra.js';
import { type AvroRecordSchema, loadSchema, toAvro, valueSubject } from '../src/index.js';

/** The kpi-snapshot schema as issue 10 shipped it, before the wave 2 fields and tenant totals (issue 11). */
const PREVIOUS_TEXT = readFileSync(new URL('./fixtures-v1/kpi-snapshot.avsc', import.meta.url), 'utf8');
const PREVIOUS = JSON.parse(PREVIOUS_TEXT) as AvroRecordSchema;

interface Field {
  name: string;
  type: unknown;
  default?: unknown;
}
interface RecordSchema {
  name: string;
  fields: Field[];
}

/** Every record schema inside `schema`, by name. */
function records(schema: unknown, into = new Map<string, RecordSchema>()): Map<string, RecordSchema> {
  if (Array.isArray(schema)) for (const s of schema) records(s, into);
  else if (schema && typeof schema === 'object') {
    const s = schema as { type?: unknown; name?: string; fields?: Field[]; items?: unknown };
    if (s.type === 'record' && s.name && s.fields) {
      into.set(s.name, s as RecordSchema);
      for (const f of s.fields) records(f.type, into);
    } else if (s.type && typeof s.type === 'object') records(s.type, into);
    if (s.items) records(s.items, into);
  }
  return into;
}

/** A field type with every record definition replaced by its name: records are compared field by field on their own. */
function shape(type: unknown): unknown {
  if (Array.isArray(type)) return type.map(shape);
  if (type && typeof type === 'object') {
    const t = type as { type: unknown; name?: string; items?: unknown; logicalType?: string };
    if (t.type === 'record') return t.name;
    if (t.type === 'array') return { array: shape(t.items) };
    return t.logicalType ? `${String(t.type)}:${t.logicalType}` : shape(t.type);
  }
  return type;
}

describe('kpi-snapshot schema evolution (issue 11)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack('kpi-snapshot-compat');
  });
  afterAll(async () => {
    // The extra subject is not one of the stack's topics: remove it here (soft, then hard delete).
    const subject = encodeURIComponent(`${valueSubject(stack.topology.kpi.name)}-previous`);
    await fetch(`${infra.registryUrl}/subjects/${subject}`, { method: 'DELETE' }).catch(() => undefined);
    await fetch(`${infra.registryUrl}/subjects/${subject}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
    await stack?.cleanup();
  });

  it('only adds fields with defaults (counters 0, the rest null) and only widens types to unions holding the old one', () => {
    const before = records(PREVIOUS);
    const now = records(loadSchema('kpi-snapshot').schema);
    for (const [name, old] of before) {
      const fields = new Map(now.get(name)!.fields.map((f) => [f.name, f]));
      for (const f of old.fields) {
        const kept = fields.get(f.name)!;
        expect(kept, `${name}.${f.name}`).toBeDefined();
        if (JSON.stringify(shape(kept.type)) !== JSON.stringify(shape(f.type))) {
          // queueId and planning: the old type is now a branch of ["null", old].
          expect(shape(kept.type), `${name}.${f.name}`).toEqual(['null', shape(f.type)]);
          expect(kept.default).toBeNull();
        }
      }
      const added = now.get(name)!.fields.filter((f) => !old.fields.some((o) => o.name === f.name));
      for (const f of added) expect(f.default, `${name}.${f.name}`).toEqual(name === 'KpiCounts' ? 0 : null);
    }
    expect(now.get('KpiSnapshot')!.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['monthToDate']));
  });

  it('the registry takes it as BACKWARD after the previous version, and a record of the previous version reads with the new schema', async () => {
    const subject = `${valueSubject(stack.topology.kpi.name)}-previous`;
    const put = await fetch(`${infra.registryUrl}/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'BACKWARD' }),
    });
    expect(put.status).toBe(200);
    const { id: previousId } = await stack.codec.registry.register({ type: SchemaType.AVRO, schema: PREVIOUS_TEXT }, { subject });
    const { id: newId } = await stack.codec.registry.register({ type: SchemaType.AVRO, schema: loadSchema('kpi-snapshot').text }, { subject });
    expect(newId).not.toBe(previousId);

    const previousType = avro.Type.forSchema(PREVIOUS as unknown as avro.Schema);
    const newType = avro.Type.forSchema(loadSchema('kpi-snapshot').schema as unknown as avro.Schema);
    const old = previousType.random() as unknown as Record<string, unknown>;
    // Read with the new schema as reader (Avro schema resolution): old fields kept, new ones defaulted.
    const read = newType.fromBuffer(previousType.toBuffer(old), newType.createResolver(previousType)) as Record<string, unknown> & { windows: { counts: Record<string, number>; outbound: unknown; nps: unknown }[]; live: Record<string, unknown> };
    expect(read.queueId).toBe(old.queueId);
    expect(read.monthToDate).toBeNull();
    for (const w of read.windows) {
      expect(w.counts.complaintsFiled).toBe(0);
      expect(w.counts.outboundAttempts).toBe(0);
      expect(w.outbound).toBeNull();
      expect(w.nps).toBeNull();
    }
    expect(read.live.complaintsOpen).toBeNull();

    // And the codec reads a record written with the previous schema id, as the gateway and alerter do.
    const bytes = await stack.codec.registry.encode(previousId, toAvro(PREVIOUS, old));
    const decoded = await stack.codec.decode(bytes);
    expect(decoded.ok).toBe(true);
    expect(decoded.ok && decoded.value.queueId).toBe(old.queueId);
  });

  it('carries a tenant total: queueId and planning null, the month to date and the wave 2 figures', async () => {
    const view = {
      tenantId: 'acme',
      queueId: null,
      at: '2026-05-10T10:00:00.000Z',
      primarySl: 'sl.negativeAbandon',
      slThresholdMs: 20_000,
      shortAbandonMs: 5_000,
      slTarget: 0.8,
      windows: [
        {
          name: 'today',
          from: '2026-05-09T16:00:00.000Z',
          to: '2026-05-10T10:00:00.000Z',
          counts: {
            ...Object.fromEntries(records(PREVIOUS).get('KpiCounts')!.fields.map((f) => [f.name, 0])),
            offered: 3,
            answered: 2,
            abandoned: 1,
            maxWaitMs: 9,
            // Wave 2 counters left out default to 0.
            complaintsFiled: 2,
            outboundAttempts: 4,
            outboundConnected: 2,
          },
          sl: { negativeAbandon: 0.5 },
          primarySlValue: 0.5,
          outbound: { attempts: 4, connected: 2, succeeded: 1, abandoned: 0, failed: { no_answer: 1, busy: 1, invalid_number: 0, rejected: 0, other: 0 }, connectRate: 0.5, successRate: 0.5, avgRingMs: 3000, avgTalkMs: null },
          complaintsPer10k: 10_000,
          nps: -20,
        },
      ],
      live: { callsWaiting: 1, longestWaitingMs: null, agentsLoggedOut: 0, agentsAvailable: 2, agentsOnCall: 1, agentsWrapUp: 0, agentsAway: 0, occupancy: 1 / 3, complaintsOpen: 2, complaintsOverdue: 1, oldestOpenComplaintAgeMs: 60_000 },
      planning: null,
      stats: { anomalies: 0, duplicates: 0, late: 0 },
      sources: [],
      monthToDate: { month: '2026-05', complaintsFiled: 2, complaintsPer10kSubscribers: 0.2 },
    };
    const decoded = await stack.codec.decode(await stack.codec.encode(stack.topology.kpi.name, view));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    // Top-level nulls are dropped by the JSON form (fromAvro): readers take an absent queueId as the total.
    expect(decoded.value.queueId).toBeUndefined();
    expect(decoded.value.planning).toBeUndefined();
    expect(decoded.value.monthToDate).toEqual(view.monthToDate);
    expect(decoded.value.live).toEqual(view.live);
    const [w] = decoded.value.windows as Record<string, unknown>[];
    expect(w!.outbound).toEqual(view.windows[0]!.outbound);
    expect(w!.nps).toBe(-20);
    expect(w!.csatRate).toBeNull();
    expect((w!.counts as Record<string, number>).complaintsFiled).toBe(2);
    expect((w!.counts as Record<string, number>).fcrPending).toBe(0);
  });
});
