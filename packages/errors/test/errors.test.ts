import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { backoffDelay, CallboardError, ERROR_CODES, isRetriable, retry } from '../src/index.js';

describe('error codes', () => {
  it('documents every code in docs/errors.md, and nothing else', () => {
    const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
    const documented = [...doc.matchAll(/^\| `(CB_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...ERROR_CODES].sort());
  });

  it('keeps code, cause and context', () => {
    const cause = new Error('socket closed');
    const err = new CallboardError('CB_REDIS_UNAVAILABLE', 'redis down', { cause, retriable: true, queueId: 'q1' });
    expect(err).toMatchObject({ code: 'CB_REDIS_UNAVAILABLE', retriable: true, cause, context: { queueId: 'q1' } });
    expect(isRetriable(err)).toBe(true);
    expect(isRetriable(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('retry', () => {
  it('backs off exponentially with jitter, within the cap', () => {
    const opts = { initialDelayMs: 100, maxDelayMs: 1000, random: () => 0.999 };
    expect(backoffDelay(0, opts)).toBeLessThanOrEqual(100);
    expect(backoffDelay(3, opts)).toBeGreaterThan(400);
    expect(backoffDelay(20, opts)).toBeLessThanOrEqual(1000);
    expect(backoffDelay(3, { ...opts, random: () => 0 })).toBe(400);
  });

  it('retries a retriable failure, then rethrows the last error with its code when attempts run out', async () => {
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.reject(new CallboardError('CB_KAFKA_UNAVAILABLE', `try ${calls}`, { retriable: true }));
    };
    await expect(retry(failing, { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 })).rejects.toMatchObject({ code: 'CB_KAFKA_UNAVAILABLE', message: 'try 3' });
    expect(calls).toBe(3);
  });

  it('never retries a programmer error', async () => {
    let calls = 0;
    await expect(
      retry(
        () => {
          calls += 1;
          return Promise.reject(new TypeError('boom'));
        },
        { attempts: 5, initialDelayMs: 1, maxDelayMs: 2 },
      ),
    ).rejects.toBeInstanceOf(TypeError);
    expect(calls).toBe(1);
  });
});
