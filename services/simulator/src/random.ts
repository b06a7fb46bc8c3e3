/**
 * A seeded pseudo-random source: xoshiro128** seeded through a string hash and splitmix32.
 *
 * Everything the simulator draws comes from here, never from `Math.random`, so a seed replays the
 * same traffic on every run. The generator itself is pure 32-bit integer arithmetic (`Math.imul`,
 * shifts), which is exact on every platform. The continuous distributions use `Math.log`, `Math.exp`
 * and `Math.cos`; V8 implements those in software (a port of fdlibm), so Node gives bit-identical
 * results on every CPU and OS, and durations are rounded to whole milliseconds anyway.
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** The second normal deviate of the last Box–Muller pair. */
  private spare: number | undefined;

  private constructor(
    /** The path this stream was derived from, e.g. `42/queue/acme/billing`. */
    readonly key: string,
  ) {
    const [a, b, c, d] = hashKey(key);
    this.s0 = a;
    this.s1 = b;
    this.s2 = c;
    this.s3 = d;
  }

  /**
   * A stream for `seed`. Streams with different labels are independent.
   *
   * @param seed - any safe integer; equal seeds give equal streams.
   * @param label - names the stream, so adding a consumer elsewhere never shifts this one's draws.
   */
  static fromSeed(seed: number, label = 'root'): Random {
    return new Random(`${seed}/${label}`);
  }

  /**
   * An independent child stream. It depends only on this stream's key and `label`, not on how many
   * numbers were drawn before, so the order in which children are made does not matter.
   */
  fork(label: string): Random {
    return new Random(`${this.key}/${label}`);
  }

  /** The next 32-bit unsigned integer (xoshiro128**). */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [min, max). */
  uniform(min = 0, max = 1): number {
    return min + (max - min) * this.next();
  }

  /** A uniform integer in [min, maxExclusive). */
  int(min: number, maxExclusive: number): number {
    return min + Math.floor(this.next() * (maxExclusive - min));
  }

  /** Exponential with the given mean (> 0). */
  exponential(mean: number): number {
    // 1 - next() is in (0, 1], so the logarithm is finite.
    return -Math.log(1 - this.next()) * mean;
  }

  /** Normal via Box–Muller; the second deviate of each pair is kept for the next call. */
  normal(mean = 0, sd = 1): number {
    if (this.spare !== undefined) {
      const z = this.spare;
      this.spare = undefined;
      return mean + sd * z;
    }
    const u1 = 1 - this.next();
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    this.spare = r * Math.sin(theta);
    return mean + sd * r * Math.cos(theta);
  }

  /**
   * Lognormal parameterised the way handle times are quoted: its median and the sigma of its log.
   * The mean is `median * exp(sigma² / 2)`.
   */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** True with probability `p`. Always draws one number, so the stream advances the same for any `p`. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick() needs a non-empty array');
    return items[this.int(0, items.length)] as T;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32: spreads one 32-bit word into a well-mixed sequence, used only for seeding. */
function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** cyrb128-style string hash to four words, then splitmix32 so the xoshiro state is never all zero. */
function hashKey(key: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < key.length; i += 1) {
    const k = key.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  const mix = splitmix32((h1 ^ h2 ^ h3 ^ h4) >>> 0);
  const words: [number, number, number, number] = [(h1 ^ mix()) >>> 0, (h2 ^ mix()) >>> 0, (h3 ^ mix()) >>> 0, (h4 ^ mix()) >>> 0];
  if ((words[0] | words[1] | words[2] | words[3]) === 0) words[0] = 1;
  return words;
}
