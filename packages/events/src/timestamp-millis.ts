import avro from 'avsc';

/**
 * avsc drops a logical type it has no class for, so the writer schema alone would not tell which
 * longs are instants. With this class every `timestamp-millis` decodes as a `Date`, whatever the schema.
 */
export class TimestampMillisType extends avro.types.LogicalType {
  override _fromValue(value: unknown): Date {
    return new Date(value as number);
  }

  /** Accepts a `Date`, epoch milliseconds, or an ISO-8601 string (the JSON form). */
  override _toValue(value: unknown): number | undefined {
    if (value instanceof Date) return value.getTime();
    if (typeof value === 'string') {
      const ms = Date.parse(value);
      return Number.isFinite(ms) ? ms : undefined;
    }
    return typeof value === 'number' ? value : undefined;
  }

  override _resolve(type: avro.Type): ((value: unknown) => Date) | undefined {
    if (avro.Type.isType(type, 'long', 'logical:timestamp-millis')) return (v) => this._fromValue(v);
    return undefined;
  }
}
