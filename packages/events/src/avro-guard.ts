import avro from 'avsc';

/**
 * A walk over an Avro body, driven by its writer schema, that refuses the bytes no real record can
 * hold before avsc reads them (issue 9, hostile frames). avsc 5.7.9 trusts every count it reads: an
 * array block count taken from a string's bytes (a call event framed with the agent schema's id)
 * makes it fill an array of 174,895,934 items until V8 aborts the process ("Fatal JavaScript invalid
 * size error"), and a supervisor that restarts the consumer re-reads the record and dies again, so
 * one record would block its partition for good.
 *
 * The walk reads every varint and length exactly as avsc does, skips every value without building
 * it, and refuses:
 * - an array or map block count larger than the bytes left can hold (each item, or key and value,
 *   takes at least its type's smallest encoding, see {@link minWidth}); items of a zero-width type
 *   (null, an empty record) take no bytes at all, so their count is capped at {@link MAX_ZERO_WIDTH_ITEMS};
 * - a string or bytes length that is negative or larger than the bytes left;
 * - a union branch index out of range;
 * - a read past the end of the body.
 * Whatever it lets through, avsc decodes as before (and may still refuse: trailing data, an enum
 * index, a long beyond 2^53). It allocates nothing, so a hostile body costs at most one pass over its
 * bytes plus the count checks.
 */

/** The most items of a zero-width type (null, an empty record) one array or map may hold. None of callboard's schemas has one. */
export const MAX_ZERO_WIDTH_ITEMS = 65_536;

/** Why a body was refused; caught by {@link avroBodyRefusal}, never seen outside this file. */
class Refused extends Error {}

/** Reads a position in the body and returns the position after the value. */
type Walk = (buf: Buffer, pos: number) => number;

function truncated(pos: number, buf: Buffer): Refused {
  return new Refused(`truncated: a value at byte ${pos} runs past the end of the ${buf.length}-byte body`);
}

/** Where the varint at `pos` ends; refuses one that runs past the end. */
function skipVarint(buf: Buffer, pos: number): number {
  let p = pos;
  while (p < buf.length) if ((buf[p++]! & 0x80) === 0) return p;
  throw truncated(pos, buf);
}

/** Where the varint {@link readVarint} read last ends: a second return value without an object per read. */
let varintEnd = 0;

/** avsc's `Tap.readLong` (zig-zag, floats beyond 28 bits), bounded by the end of the body. */
function readVarint(buf: Buffer, pos: number): number {
  const len = buf.length;
  let p = pos;
  let n = 0;
  let k = 0;
  let b = 0;
  do {
    if (p >= len) throw truncated(pos, buf);
    b = buf[p++]!;
    n |= (b & 0x7f) << k;
    k += 7;
  } while (b & 0x80 && k < 28);
  if (b & 0x80) {
    let f = n;
    let fk = 268435456;
    do {
      if (p >= len) throw truncated(pos, buf);
      b = buf[p++]!;
      f += (b & 0x7f) * fk;
      fk *= 128;
    } while (b & 0x80);
    varintEnd = p;
    return (f % 2 ? -(f + 1) : f) / 2;
  }
  varintEnd = p;
  return (n >> 1) ^ -(n & 1);
}

const skipNothing: Walk = (_buf, pos) => pos;
const skipLong: Walk = skipVarint;
function skipFixed(size: number): Walk {
  return (buf, pos) => {
    if (pos + size > buf.length) throw truncated(pos, buf);
    return pos + size;
  };
}
const skipString: Walk = (buf, pos) => {
  const n = readVarint(buf, pos);
  const start = varintEnd;
  if (n < 0) throw new Refused(`a string or bytes length at byte ${pos} is negative (${n})`);
  if (n > buf.length - start) throw new Refused(`a string or bytes length ${n} at byte ${pos} exceeds the ${buf.length - start} bytes left`);
  return start + n;
};

/** Walks `count` items or entries at `pos`, refusing a count the bytes left cannot hold. */
function blocks(kind: 'array' | 'map', width: number, item: Walk): Walk {
  return (buf, pos) => {
    let p = pos;
    let total = 0;
    for (;;) {
      const at = p;
      let n = readVarint(buf, p);
      p = varintEnd;
      if (!n) return p; // 0 ends the blocks (and NaN, as avsc's `while ((n = tap.readLong()))` reads it)
      if (n < 0) {
        // A negative count is followed by the block's size in bytes, which avsc skips unread.
        n = -n;
        p = skipVarint(buf, p);
      }
      const left = buf.length - p;
      if (width === 0) {
        total += n;
        if (total > MAX_ZERO_WIDTH_ITEMS) throw new Refused(`${kind} block count ${n} at byte ${at} exceeds ${MAX_ZERO_WIDTH_ITEMS} items of a zero-width type`);
        continue;
      }
      if (n * width > left) throw new Refused(`${kind} block count ${n} at byte ${at} exceeds the ${left} bytes left`);
      for (let i = 0; i < n; i += 1) p = item(buf, p);
    }
  };
}

/**
 * The fewest bytes a value of `type` takes: 0 for null, a zero-size fixed and a record of those, 1 for
 * a varint, a boolean, a length and an empty array or map, a union's index plus its smallest branch.
 * A type met again inside itself counts 0 there: a lower bound only ever lets more through.
 */
export function minWidth(type: avro.Type, seen: Set<avro.Type> = new Set()): number {
  if (type instanceof avro.types.LogicalType) return minWidth(type.underlyingType, seen);
  if (type instanceof avro.types.RecordType) {
    if (seen.has(type)) return 0;
    seen.add(type);
    const width = type.fields.reduce((sum, field) => sum + minWidth(field.type, seen), 0);
    seen.delete(type);
    return width;
  }
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    return 1 + Math.min(...type.types.map((t) => minWidth(t, seen)));
  }
  if (type instanceof avro.types.FixedType) return type.size;
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'float':
      return 4;
    case 'double':
      return 8;
    default:
      return 1;
  }
}

class Compiler {
  private readonly walks = new Map<avro.Type, Walk>();

  compile(type: avro.Type): Walk {
    const known = this.walks.get(type);
    if (known) return known;
    if (type instanceof avro.types.LogicalType) return this.compile(type.underlyingType);
    if (type instanceof avro.types.RecordType) {
      // Registered before its fields compile, so a record that contains itself refers to this walk.
      const fields: Walk[] = [];
      const walk: Walk = (buf, pos) => {
        let p = pos;
        for (let i = 0; i < fields.length; i += 1) p = fields[i]!(buf, p);
        return p;
      };
      this.walks.set(type, walk);
      for (const field of type.fields) fields.push(this.compile(field.type));
      return walk;
    }
    if (type instanceof avro.types.ArrayType) {
      const items = type.itemsType;
      const walk = blocks('array', minWidth(items), this.compile(items));
      this.walks.set(type, walk);
      return walk;
    }
    if (type instanceof avro.types.MapType) {
      const values = type.valuesType as avro.Type;
      const value = this.compile(values);
      const walk = blocks('map', 1 + minWidth(values), (buf, pos) => value(buf, skipString(buf, pos)));
      this.walks.set(type, walk);
      return walk;
    }
    if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
      const branches = type.types.map((t) => this.compile(t));
      const walk: Walk = (buf, pos) => {
        const index = readVarint(buf, pos);
        const branch = branches[index];
        if (branch === undefined) throw new Refused(`union index ${index} at byte ${pos} is out of range (${branches.length} branches)`);
        return branch(buf, varintEnd);
      };
      this.walks.set(type, walk);
      return walk;
    }
    if (type instanceof avro.types.FixedType) return skipFixed(type.size);
    switch (type.typeName) {
      case 'null':
        return skipNothing;
      case 'boolean':
        return skipFixed(1);
      case 'int':
      case 'long':
      case 'abstract:long':
      case 'enum':
        // avsc refuses an enum index out of range by itself, before reading anything else.
        return skipLong;
      case 'float':
        return skipFixed(4);
      case 'double':
        return skipFixed(8);
      case 'string':
      case 'bytes':
        return skipString;
      default: {
        // avsc has no other type; one added later is refused rather than read unchecked.
        const name = type.typeName;
        return () => {
          throw new Refused(`no guard for the Avro type ${name}`);
        };
      }
    }
  }
}

const guards = new WeakMap<avro.Type, Walk>();

/**
 * Why avsc must not read `body` as `type` (a message for `CB_EVENT_AVRO_DECODE`), or `undefined` when
 * every count and length in it fits the bytes it has. The walk is compiled once per type.
 */
export function avroBodyRefusal(type: avro.Type, body: Buffer): string | undefined {
  let walk = guards.get(type);
  if (!walk) {
    walk = new Compiler().compile(type);
    guards.set(type, walk);
  }
  try {
    walk(body, 0);
    return undefined;
  } catch (err) {
    if (err instanceof Refused) return err.message;
    // A recursive schema (none of callboard's) nested deeper than the stack: avsc would recurse as deep.
    if (err instanceof RangeError) return `nested deeper than the stack allows (${err.message})`;
    throw err;
  }
}
