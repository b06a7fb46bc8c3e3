import { CallboardError } from '@callboard/errors';
import avro from 'avsc';

/**
 * avsc drops a logical type it has no class for, so the writer schema alone would not tell which
 * longs are instants. With this class every `timestamp-millis` decodes as a `Date`, whatever the schema.
 */
export class TimestampMillisType extends avro.types.LogicalType {
  /**
   * A long beyond Date's range (±8.64e15 ms) is refused while avsc reads the record (`CB_EVENT_AVRO_DECODE`):
   * an Invalid Date would make the JSON form's `toISOString` throw a RangeError out of decoding.
   */
  override _fromValue(value: unknown): Date {
    const date = new Date(value as number);
    if (Number.isNaN(date.getTime())) throw new CallboardError('CB_EVENT_AVRO_DECODE', `timestamp-millis ${String(value)} is outside the range of a date`);
    return date;
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
