/** A decision of {@link TokenBuckets.take}. */
export interface TakeResult {
  allowed: boolean;
  /** When refused: how long until one token is back. */
  retryAfterMs: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * One token bucket per key (a tenant): `burst` tokens at most, refilled at `ratePerSecond`; a request
 * takes one. Kept in this process: each instance of the HTTP ingest allows its own rate (docs/ingest/http.md).
 * A bucket that has refilled is forgotten, so memory stays bounded by the keys active in the last
 * `burst / ratePerSecond` seconds.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep: number;

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(ratePerSecond > 0) || !(burst >= 1)) throw new TypeError('ratePerSecond must be > 0 and burst >= 1');
    this.lastSweep = now();
  }

  take(key: string): TakeResult {
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterMs: 0 };
    }
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(((1 - bucket.tokens) / this.ratePerSecond) * 1000)) };
  }

  /** How many keys are held (tests: the sweep forgets full buckets). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    const fullAfterMs = (this.burst / this.ratePerSecond) * 1000;
    if (now - this.lastSweep < fullAfterMs) return;
    this.lastSweep = now;
    for (const [key, b] of this.buckets) if (now - b.at >= fullAfterMs) this.buckets.delete(key);
  }
}
