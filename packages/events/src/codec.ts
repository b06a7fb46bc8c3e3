import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { CallboardError, retry } from '@callboard/errors';
import avro from 'avsc';
import { avroBodyRefusal } from './avro-guard.js';
import type { CanonicalEvent } from './contract.js';
import { eventRoute } from './routes.js';
import { fromAvro, fromAvroReference, loadSchema, toAvro, type AvroRecordSchema } from './schemas.js';
import { TimestampMillisType } from './timestamp-millis.js';
import { DEFAULT_TOPOLOGY, type SchemaName, topicByName, type Topology, topologyTopics, valueSubject } from './topics.js';
import { validateEvent, validateEventWithZod, type ValidationResult } from './validate.js';

/** Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro body. */
export const WIRE_MAGIC_BYTE = 0;
export const WIRE_HEADER_BYTES = 5;

export function wireSchemaId(buffer: Buffer): number | undefined {
  if (buffer.length < WIRE_HEADER_BYTES || buffer[0] !== WIRE_MAGIC_BYTE) return undefined;
  return buffer.readInt32BE(1);
}

export interface EncodedRecord {
  topic: string;
  key: string;
  value: Buffer;
}

function statusOf(err: unknown): number | undefined {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * The registry answered "no such schema" (404). Anything else (refused, timed out, 5xx) means the
 * registry is unavailable, which is retriable and must never be mistaken for bad data.
 */
function registryError(err: unknown, what: string): CallboardError {
  const status = statusOf(err);
  if (status === 404) return new CallboardError('CB_EVENT_SCHEMA_UNKNOWN', `${what}: schema not found in the registry`, { cause: err });
  return new CallboardError('CB_REGISTRY_UNAVAILABLE', `${what}: schema registry unavailable (${(err as Error)?.message ?? String(err)})`, {
    cause: err,
    retriable: true,
    status,
  });
}

export type DecodeResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: CallboardError };

function avroDecodeFailed(err: unknown): DecodeResult {
  return { ok: false, error: new CallboardError('CB_EVENT_AVRO_DECODE', `Avro decoding failed: ${(err as Error).message}`, { cause: err }) };
}

/**
 * A body avsc must not read: a count or length it would trust beyond the bytes the record has (see
 * avro-guard.ts; one such count aborts the process). `undefined` when avsc may read it.
 */
function avroBodyRefused(type: avro.Type, buffer: Buffer): DecodeResult | undefined {
  const refusal = avroBodyRefusal(type, buffer.subarray(WIRE_HEADER_BYTES));
  return refusal === undefined ? undefined : { ok: false, error: new CallboardError('CB_EVENT_AVRO_DECODE', `Avro decoding failed: ${refusal}`) };
}

function decodedRecord(decoded: unknown, jsonForm: (value: Record<string, unknown>) => Record<string, unknown>): DecodeResult {
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) {
    return { ok: false, error: new CallboardError('CB_EVENT_AVRO_DECODE', 'decoded value is not a record') };
  }
  return { ok: true, value: jsonForm(decoded as Record<string, unknown>) };
}

export interface EventCodecOptions {
  /** The topic names to encode for; defaults to the unprefixed production names. */
  topology?: Topology;
  /** How many times an unknown schema id is looked up again before the record is called bad. */
  unknownSchemaAttempts?: number;
}

/**
 * Encodes and decodes callboard's records through a Confluent-compatible Schema Registry.
 * Schema ids are cached per subject (encode) and by id inside the registry client (decode); a resolved
 * Avro type is also kept here by id, so a record of a known id is decoded without the client.
 */
export class EventCodec {
  private readonly ids = new Map<string, number>();
  /** Avro types by schema id, as the registry client resolved and cached them. */
  private readonly avroTypes = new Map<number, avro.Type>();
  private readonly unknownSchemaAttempts: number;
  readonly topology: Topology;

  constructor(
    readonly registry: SchemaRegistry,
    options: EventCodecOptions = {},
  ) {
    this.unknownSchemaAttempts = options.unknownSchemaAttempts ?? 3;
    this.topology = options.topology ?? DEFAULT_TOPOLOGY;
  }

  /** Registers every shipped schema under its topic's subject with BACKWARD compatibility. Idempotent. */
  async registerAll(): Promise<Map<string, number>> {
    for (const topic of topologyTopics(this.topology)) {
      if (topic.valueSchema) await this.register(topic.name, topic.valueSchema);
    }
    return new Map(this.ids);
  }

  async register(topic: string, schemaName: SchemaName): Promise<number> {
    const subject = valueSubject(topic);
    try {
      const { id } = await this.registry.register(
        { type: SchemaType.AVRO, schema: loadSchema(schemaName).text },
        { subject, compatibility: COMPATIBILITY.BACKWARD },
      );
      this.ids.set(subject, id);
      return id;
    } catch (err) {
      throw registryError(err, `registering ${subject}`);
    }
  }

  /** The id to encode `topic`'s values with: the latest registered version of its subject. */
  async schemaId(topic: string): Promise<number> {
    const subject = valueSubject(topic);
    const cached = this.ids.get(subject);
    if (cached !== undefined) return cached;
    try {
      const id = await this.registry.getLatestSchemaId(subject);
      this.ids.set(subject, id);
      return id;
    } catch (err) {
      throw registryError(err, `looking up ${subject}`);
    }
  }

  /** Encodes a JSON-form record for `topic` in the wire format. */
  async encode(topic: string, value: Record<string, unknown>): Promise<Buffer> {
    const schema = this.avroSchemaOf(topic);
    const id = await this.schemaId(topic);
    try {
      return await this.registry.encode(id, toAvro(schema, value));
    } catch (err) {
      if (statusOf(err) !== undefined) throw registryError(err, `encoding for ${topic}`);
      throw new CallboardError('CB_EVENT_INVALID', `cannot encode a record for ${topic}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Where a canonical event goes, keyed so one call (or one agent) stays in one partition. */
  async encodeEvent(event: CanonicalEvent): Promise<EncodedRecord> {
    const { topic, key } = eventRoute(this.topology, event);
    return { topic, key, value: await this.encode(topic, event) };
  }

  /**
   * Decodes a wire-format record to its JSON form, without contract validation.
   * Bad bytes give a non-retriable error; a registry that is down gives a retriable one (thrown).
   */
  async decode(buffer: Buffer | null): Promise<DecodeResult> {
    return this.decodeKnown(buffer) ?? this.decodeThroughRegistry(buffer, fromAvro);
  }

  /** Decodes and validates a canonical event: Avro accepts `waitMs: -5`, the contract does not. */
  async decodeEvent(buffer: Buffer | null): Promise<ValidationResult> {
    const decoded = this.decodeKnown(buffer) ?? (await this.decodeThroughRegistry(buffer, fromAvro));
    if (!decoded.ok) return decoded;
    return validateEvent(decoded.value);
  }

  /**
   * {@link decodeEvent} as it was before issue 9's cheaper decode (every record through the registry
   * client, `fromAvroReference`, zod alone): the reference of the equivalence test and the decode bench.
   */
  async decodeEventReference(buffer: Buffer | null): Promise<ValidationResult> {
    const decoded = await this.decodeThroughRegistry(buffer, fromAvroReference);
    if (!decoded.ok) return decoded;
    return validateEventWithZod(decoded.value);
  }

  /**
   * A record whose schema id was already resolved to an Avro type, decoded without the registry
   * client's per-record promises and buffer copies: the same `fromBuffer` call on the same type that
   * `registry.decode` makes, whose cache never forgets an id. `undefined` sends the record the long way.
   */
  private decodeKnown(buffer: Buffer | null): DecodeResult | undefined {
    if (!buffer || !Buffer.isBuffer(buffer)) return undefined;
    const id = wireSchemaId(buffer);
    const type = id === undefined ? undefined : this.avroTypes.get(id);
    if (!type) return undefined;
    const refused = avroBodyRefused(type, buffer);
    if (refused) return refused;
    let decoded: unknown;
    try {
      decoded = type.fromBuffer(buffer.subarray(WIRE_HEADER_BYTES));
    } catch (err) {
      return avroDecodeFailed(err);
    }
    return decodedRecord(decoded, fromAvro);
  }

  /** The first record of a schema id, and any record not in Avro: the registry looks the id up, with retries. */
  private async decodeThroughRegistry(buffer: Buffer | null, jsonForm: (value: Record<string, unknown>) => Record<string, unknown>): Promise<DecodeResult> {
    if (!buffer || wireSchemaId(buffer) === undefined) {
      return { ok: false, error: new CallboardError('CB_EVENT_NOT_WIRE_FORMAT', 'not in the Confluent wire format (magic byte 0 + schema id)') };
    }
    const id = wireSchemaId(buffer)!;
    let schema: unknown;
    try {
      schema = await retry(
        async () => {
          try {
            return await this.registry.getSchema(id);
          } catch (err) {
            const e = registryError(err, `schema id ${id}`);
            // An id the registry does not know yet may appear after replication; look again a few times.
            throw e.code === 'CB_EVENT_SCHEMA_UNKNOWN' ? new CallboardError(e.code, e.message, { cause: err, retriable: true }) : e;
          }
        },
        { attempts: this.unknownSchemaAttempts, initialDelayMs: 100, maxDelayMs: 1000, retriable: (e) => (e as CallboardError).code === 'CB_EVENT_SCHEMA_UNKNOWN' },
      );
    } catch (err) {
      const e = err as CallboardError;
      if (e.code === 'CB_EVENT_SCHEMA_UNKNOWN') return { ok: false, error: new CallboardError(e.code, e.message, { cause: e.cause }) };
      throw err;
    }
    // registry.decode reads an Avro id with this very type (`writerSchema.fromBuffer`); JSON and
    // Protobuf schemas keep going through the registry client.
    if (schema instanceof avro.Type) {
      this.avroTypes.set(id, schema);
      const refused = avroBodyRefused(schema, buffer);
      if (refused) return refused;
    }
    let decoded: unknown;
    try {
      decoded = await this.registry.decode(buffer);
    } catch (err) {
      if (statusOf(err) !== undefined) throw registryError(err, `decoding with schema id ${id}`);
      return avroDecodeFailed(err);
    }
    return decodedRecord(decoded, jsonForm);
  }

  private avroSchemaOf(topic: string): AvroRecordSchema {
    const spec = topicByName(this.topology, topic);
    if (!spec?.valueSchema) throw new CallboardError('CB_USAGE', `no Avro schema is declared for topic ${topic}`);
    return loadSchema(spec.valueSchema).schema;
  }
}

export function createSchemaRegistry(url: string): SchemaRegistry {
  // The client's own retries are off: callers retry with backoff and jitter where it is worth it.
  return new SchemaRegistry({ host: url, retry: { retries: 0 } }, { [SchemaType.AVRO]: { logicalTypes: { 'timestamp-millis': TimestampMillisType } } });
}
