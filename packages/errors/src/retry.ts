import { CallboardError, isRetriable } from './callboard-error.js';

export interface RetryOptions {
  /** Attempts in all, the first included. `Infinity` retries until `signal` aborts. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Multiplier per attempt. */
  factor?: number;
  /** Decides what is worth retrying; programmer errors never are. */
  retriable?: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
  /** Random source in [0, 1), injectable for tests. */
  random?: () => number;
}

/** Exponential backoff with equal jitter: a delay drawn from [c/2, c), c = min(cap, base * factor^n). */
export function backoffDelay(attempt: number, opts: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'random'>): number {
  const ceiling = Math.min(opts.maxDelayMs, opts.initialDelayMs * (opts.factor ?? 2) ** attempt);
  const random = opts.random ?? Math.random;
  return Math.max(1, Math.floor(ceiling / 2 + (random() * ceiling) / 2));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new CallboardError('CB_SHUTDOWN', 'aborted while waiting to retry'));
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(new CallboardError('CB_SHUTDOWN', 'aborted while waiting to retry'));
    }
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `fn` until it succeeds, its error is not retriable, or attempts run out.
 * When they run out the last error is rethrown as it was, so its code and cause survive.
 */
export async function retry<T>(fn: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  const retriable = opts.retriable ?? isRetriable;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!retriable(err) || attempt + 1 >= opts.attempts || opts.signal?.aborted) throw err;
      const delayMs = backoffDelay(attempt, opts);
      opts.onRetry?.(err, attempt + 1, delayMs);
      await sleep(delayMs, opts.signal);
    }
  }
}
