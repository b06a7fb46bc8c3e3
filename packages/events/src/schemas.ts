import { readFileSync } from 'node:fs';
import type { SchemaName } from './topics.js';

interface AvroField {
  name: string;
  type: unknown;
}

export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace: string;
  fields: AvroField[];
}

const cache = new Map<SchemaName, { text: string; schema: AvroRecordSchema }>();

/** The `.avsc` text and parsed form of a schema shipped in `packages/events/schemas`. */
export function loadSchema(name: SchemaName): { text: string; schema: AvroRecordSchema } {
  let entry = cache.get(name);
  if (!entry) {
    const text = readFileSync(new URL(`../schemas/${name}.avsc`, import.meta.url), 'utf8');
    entry = { text, schema: JSON.parse(text) as AvroRecordSchema };
    cache.set(name, entry);
  }
  return entry;
}

function isTimestampMillis(type: unknown): boolean {
  return typeof type === 'object' && type !== null && (type as { logicalType?: string }).logicalType === 'timestamp-millis';
}

/**
 * The JSON form of a record (ISO instants, absent optionals) as the Avro form (`Date`s for
 * `timestamp-millis`, nulls). Only top-level `timestamp-millis` fields are converted; that is all callboard's schemas use.
 */
export function toAvro(schema: AvroRecordSchema, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const v = value[field.name];
    if (v === undefined || v === null) out[field.name] = null;
    else if (isTimestampMillis(field.type) && typeof v === 'string') out[field.name] = new Date(v);
    else out[field.name] = v;
  }
  return out;
}

/** The Avro form of a record back to the JSON form: instants (decoded as `Date`) as ISO strings, nulls dropped. */
export function fromAvro(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    out[name] = v instanceof Date ? v.toISOString() : v;
  }
  return out;
}
