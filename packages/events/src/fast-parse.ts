import { datetimeRegex, z } from 'zod';

/**
 * A parser compiled once from a zod schema that says "valid, and here is zod's output" only when it
 * is certain, and "not sure" otherwise, so the caller asks the zod schema itself for the verdict and
 * the message (issue 9 item 5, cheaper decode). The schema stays the single source of truth: nothing
 * of the contract is written here, each node reads its limits from the schema's own definition.
 *
 * Why it is cheaper: zod 3 builds a new RegExp for every `.datetime()` check, and allocates a parse
 * context, a status and an issue list per field; a compiled node is a closure with its RegExp built
 * once that allocates only the output object (and arrays).
 *
 * Each node mirrors what zod 3.25's `_parse` of its type accepts and returns (same key order, same
 * optional-key rule, a fresh object per `z.object` and a fresh array per `z.array`), and is stricter
 * where mirroring would be subtle: only plain objects and plain arrays, no coercion. A type or check
 * this file does not know compiles to a node that is never sure (listed in `unsupported`, which a
 * test keeps empty for the contract), so a new kind of rule can only make decoding slower, never
 * different. Transforms run as zod runs them; one that throws or adds an issue makes the node unsure,
 * and zod then throws or refuses exactly as before, so transforms must be pure (they may run twice).
 */
export interface FastParser<T> {
  /** zod's output for `input` when the input is certainly valid; `undefined` when not sure. */
  parse(input: unknown): T | undefined;
  /** The parts of the schema no node covers (each makes the parser unsure wherever it applies). */
  readonly unsupported: readonly string[];
}

export interface FastParserOptions {
  /**
   * Transforms known to return some of their inputs unchanged: the transform function, and a test of
   * an input (already accepted by the transform's inner schema) for which it does. The node then skips
   * the call for those inputs.
   */
  unchangedBy?: ReadonlyMap<(...args: never[]) => unknown, (value: never) => boolean>;
}

const UNSURE: unique symbol = Symbol('unsure');
type Node = (value: unknown) => unknown;

/** A node that vouches for nothing. */
const never: Node = () => UNSURE;

/** Thrown by the context handed to a transform when it adds an issue; caught by the transform node. */
const ISSUE_ADDED = new Error('a transform added an issue');
const TRANSFORM_CONTEXT = {
  addIssue(): never {
    throw ISSUE_ADDED;
  },
  path: [] as (string | number)[],
};

/** zod's "object" parsed type, narrowed to what JSON.parse and fromAvro produce. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  // zod calls an object with callable `then` and `catch` a promise.
  const v = value as { then?: unknown; catch?: unknown };
  return !(typeof v.then === 'function' && typeof v.catch === 'function');
}

class Compiler {
  readonly unsupported: string[] = [];

  constructor(private readonly options: FastParserOptions) {}

  private unsure(what: string): Node {
    this.unsupported.push(what);
    return never;
  }

  compile(schema: z.ZodTypeAny): Node {
    if (schema instanceof z.ZodString) return this.string(schema);
    if (schema instanceof z.ZodNumber) return this.number(schema);
    if (schema instanceof z.ZodBoolean) return schema._def.coerce ? this.unsure('coerced boolean') : (v) => (typeof v === 'boolean' ? v : UNSURE);
    if (schema instanceof z.ZodEnum) {
      const values = new Set<unknown>(schema._def.values as readonly string[]);
      return (v) => (typeof v === 'string' && values.has(v) ? v : UNSURE);
    }
    if (schema instanceof z.ZodLiteral) {
      const literal: unknown = schema._def.value;
      return (v) => (v === literal ? v : UNSURE);
    }
    if (schema instanceof z.ZodOptional) {
      const inner = this.compile(schema._def.innerType as z.ZodTypeAny);
      return (v) => (v === undefined ? undefined : inner(v));
    }
    if (schema instanceof z.ZodArray) return this.array(schema);
    if (schema instanceof z.ZodObject) return this.object(schema);
    if (schema instanceof z.ZodDiscriminatedUnion) return this.discriminatedUnion(schema);
    if (schema instanceof z.ZodEffects) return this.effects(schema);
    return this.unsure(`type ${(schema._def as { typeName?: string }).typeName ?? 'unknown'}`);
  }

  private string(schema: z.ZodString): Node {
    if (schema._def.coerce) return this.unsure('coerced string');
    const tests: ((s: string) => boolean)[] = [];
    for (const check of schema._def.checks) {
      switch (check.kind) {
        case 'min': {
          const n = check.value;
          tests.push((s) => s.length >= n);
          break;
        }
        case 'max': {
          const n = check.value;
          tests.push((s) => s.length <= n);
          break;
        }
        case 'length': {
          const n = check.value;
          tests.push((s) => s.length === n);
          break;
        }
        case 'regex': {
          const re = check.regex;
          tests.push((s) => {
            re.lastIndex = 0;
            return re.test(s);
          });
          break;
        }
        case 'datetime': {
          // The very RegExp zod builds for this check on every call, built once.
          const re = datetimeRegex(check);
          tests.push((s) => re.test(s));
          break;
        }
        default:
          return this.unsure(`string check ${check.kind}`);
      }
    }
    return (v) => {
      if (typeof v !== 'string') return UNSURE;
      for (const test of tests) if (!test(v)) return UNSURE;
      return v;
    };
  }

  private number(schema: z.ZodNumber): Node {
    if (schema._def.coerce) return this.unsure('coerced number');
    const tests: ((n: number) => boolean)[] = [];
    for (const check of schema._def.checks) {
      switch (check.kind) {
        case 'int':
          tests.push(Number.isInteger);
          break;
        case 'finite':
          tests.push(Number.isFinite);
          break;
        case 'min': {
          const { value, inclusive } = check;
          tests.push(inclusive ? (n) => n >= value : (n) => n > value);
          break;
        }
        case 'max': {
          const { value, inclusive } = check;
          tests.push(inclusive ? (n) => n <= value : (n) => n < value);
          break;
        }
        default:
          return this.unsure(`number check ${check.kind}`);
      }
    }
    return (v) => {
      // zod's parsed type of NaN is "nan", not "number".
      if (typeof v !== 'number' || Number.isNaN(v)) return UNSURE;
      for (const test of tests) if (!test(v)) return UNSURE;
      return v;
    };
  }

  private array(schema: z.ZodArray<z.ZodTypeAny>): Node {
    const { minLength, maxLength, exactLength } = schema._def;
    const min = Math.max(minLength?.value ?? 0, exactLength?.value ?? 0);
    const max = Math.min(maxLength?.value ?? Infinity, exactLength?.value ?? Infinity);
    const item = this.compile(schema._def.type);
    return (v) => {
      // zod spreads the array through its iterator: only a plain array iterates like an index loop.
      if (!Array.isArray(v) || Object.getPrototypeOf(v) !== Array.prototype) return UNSURE;
      if (v.length < min || v.length > max) return UNSURE;
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i += 1) {
        const r = item(v[i]);
        if (r === UNSURE) return UNSURE;
        out.push(r);
      }
      return out;
    };
  }

  private object(schema: z.AnyZodObject): Node {
    if (schema._def.unknownKeys !== 'strip' || !(schema._def.catchall instanceof z.ZodNever)) {
      return this.unsure(`object with unknown keys ${schema._def.unknownKeys}`);
    }
    const keys = Object.keys(schema.shape);
    if (keys.includes('__proto__')) return this.unsure('object key __proto__');
    const nodes = keys.map((k) => this.compile(schema.shape[k] as z.ZodTypeAny));
    return (v) => {
      if (!isPlainObject(v)) return UNSURE;
      // zod's output: the shape's keys in shape order (unknown keys stripped); a key whose output is
      // undefined is set only when the input has it.
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i += 1) {
        const key = keys[i]!;
        const r = nodes[i]!(v[key]);
        if (r === UNSURE) return UNSURE;
        if (r !== undefined || key in v) out[key] = r;
      }
      return out;
    };
  }

  private discriminatedUnion(schema: z.ZodDiscriminatedUnion<string, z.AnyZodObject[]>): Node {
    const discriminator = schema._def.discriminator;
    const options = new Map<unknown, Node>();
    for (const [value, option] of schema._def.optionsMap) options.set(value, this.compile(option));
    return (v) => {
      if (!isPlainObject(v)) return UNSURE;
      const option = options.get(v[discriminator]);
      return option ? option(v) : UNSURE;
    };
  }

  private effects(schema: z.ZodEffects<z.ZodTypeAny>): Node {
    const effect = schema._def.effect;
    if (effect.type !== 'transform') return this.unsure(`effect ${effect.type}`);
    const inner = this.compile(schema._def.schema);
    const transform = effect.transform as (value: unknown, ctx: typeof TRANSFORM_CONTEXT) => unknown;
    const unchanged = this.options.unchangedBy?.get(transform) as ((value: unknown) => boolean) | undefined;
    return (v) => {
      const r = inner(v);
      if (r === UNSURE) return UNSURE;
      if (unchanged?.(r)) return r;
      try {
        const out = transform(r, TRANSFORM_CONTEXT);
        return out instanceof Promise ? UNSURE : out;
      } catch {
        // zod runs the same transform on the same value and throws or refuses the same way.
        return UNSURE;
      }
    };
  }
}

export function compileFastParser<S extends z.ZodTypeAny>(schema: S, options: FastParserOptions = {}): FastParser<z.output<S>> {
  const compiler = new Compiler(options);
  const root = compiler.compile(schema);
  return {
    parse(input) {
      const r = root(input);
      return r === UNSURE ? undefined : (r as z.output<S>);
    },
    unsupported: compiler.unsupported,
  };
}
