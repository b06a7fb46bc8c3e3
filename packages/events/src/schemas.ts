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
 * The JSON form of a record (ISO instants, absent optionals) as the Avro form (epoch-millis longs,
 * nulls). Only top-level `timestamp-millis` fields are converted; that is all callboard's schemas use.
 */
export function toAvro(schema: AvroRecordSchema, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const v = value[field.name];
    if (v === undefined || v === null) out[field.name] = null;
    else if (isTimestampMillis(field.type) && typeof v === 'string') out[field.name] = Date.parse(v);
    else out[field.name] = v;
  }
  return out;
}

/** The Avro form of a record back to the JSON form: instants as ISO strings, nulls dropped. */
export function fromAvro(schema: AvroRecordSchema, value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const v = value[field.name];
    if (v === null || v === undefined) continue;
    if (isTimestampMillis(field.type) && typeof v === 'number') out[field.name] = new Date(v).toISOString();
    else if (isTimestampMillis(field.type) && v instanceof Date) out[field.name] = v.toISOString();
    else out[field.name] = v;
  }
  return out;
}
