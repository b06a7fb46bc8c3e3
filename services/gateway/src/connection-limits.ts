import { createHash } from 'node:crypto';

/** A short, non-reversible key of a token: counts its connections without keeping the token. */
export function bearerTokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url').slice(0, 22);
}

/** Open connections per token (issue 5 "Limits"). */
export class ConnectionCounter {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a slot for `key`; false when the token already has `max` connections. */
  acquire(key: string): boolean {
    const n = this.counts.get(key) ?? 0;
    if (n >= this.max) return false;
    this.counts.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = (this.counts.get(key) ?? 1) - 1;
    if (n <= 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}
