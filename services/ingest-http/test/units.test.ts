import { describe, expect, it } from 'vitest';
import { checkItems, INGEST_HTTP_DEFAULTS, jsonArrayItems, jsonLinesItems, loadIngestHttpConfig, TokenBuckets } from '../src/index.js';

const SECRET = 's'.repeat(40);

describe('ingest-http config', () => {
  it('has the documented defaults', () => {
    const c = loadIngestHttpConfig({ CB_INGEST_TOKEN_SECRET: SECRET });
    expect(c).toMatchObject({ port: INGEST_HTTP_DEFAULTS.CB_INGEST_HTTP_PORT, opsHost: '127.0.0.1', limits: { maxBodyBytes: 1_048_576, maxEvents: 5000, ratePerSecond: 20, rateBurst: 40 } });
  });

  it.each([
    ['CB_INGEST_HTTP_MAX_BODY_BYTES', '0'],
    ['CB_INGEST_HTTP_MAX_BODY_BYTES', '999999999999'],
    ['CB_INGEST_HTTP_MAX_EVENTS', '-1'],
    ['CB_INGEST_HTTP_MAX_EVENTS', '1e9'],
    ['CB_INGEST_HTTP_RATE_PER_SECOND', 'fast'],
    ['CB_INGEST_HTTP_RATE_BURST', '5'],
    ['CB_INGEST_HTTP_PORT', '70000'],
    ['CB_INGEST_HTTP_SEND_TIMEOUT_MS', '10'],
  ])('refuses %s=%s at start with CB_CONFIG_INVALID naming it', (name, value) => {
    expect(() => loadIngestHttpConfig({ CB_INGEST_TOKEN_SECRET: SECRET, [name]: value })).toThrow(expect.objectContaining({ code: 'CB_CONFIG_INVALID', message: expect.stringContaining(name) }));
  });

  it('needs its own token secret, checks with it (and the previous one in a rotation) only, and never prints one', () => {
    expect(loadIngestHttpConfig({ CB_INGEST_TOKEN_SECRET: SECRET }).tokenSecrets).toEqual([SECRET]);
    const previous = 'p'.repeat(40);
    expect(loadIngestHttpConfig({ CB_INGEST_TOKEN_SECRET: SECRET, CB_INGEST_TOKEN_SECRET_PREVIOUS: previous, CB_GATEWAY_SECRET: 'g'.repeat(40) }).tokenSecrets).toEqual([SECRET, previous]);
    // The gateway's secret no longer checks ingest tokens: alone, it is not enough.
    expect(() => loadIngestHttpConfig({ CB_GATEWAY_SECRET: SECRET })).toThrow(expect.objectContaining({ code: 'CB_CONFIG_INVALID', message: expect.stringContaining('CB_INGEST_TOKEN_SECRET: is required') }));
    const short = 'short-secret-value';
    for (const env of [{ CB_INGEST_TOKEN_SECRET: short }, { CB_INGEST_TOKEN_SECRET: SECRET, CB_INGEST_TOKEN_SECRET_PREVIOUS: short }]) {
      expect(() => loadIngestHttpConfig(env)).toThrow(expect.objectContaining({ code: 'CB_CONFIG_INVALID', message: expect.stringMatching(/CB_INGEST_TOKEN_SECRET(_PREVIOUS)?: must be at least 32/) }));
      expect(() => loadIngestHttpConfig(env)).toThrow(expect.objectContaining({ message: expect.not.stringContaining(short) }));
    }
  });

  it('refuses an ingest secret equal to the gateway secret, naming the variables, never the value', () => {
    for (const env of [
      { CB_INGEST_TOKEN_SECRET: SECRET, CB_GATEWAY_SECRET: SECRET },
      { CB_INGEST_TOKEN_SECRET: 'n'.repeat(40), CB_INGEST_TOKEN_SECRET_PREVIOUS: SECRET, CB_GATEWAY_SECRET: SECRET },
    ]) {
      let message = '';
      try {
        loadIngestHttpConfig(env);
      } catch (err) {
        expect(err).toMatchObject({ code: 'CB_CONFIG_INVALID' });
        message = (err as Error).message;
      }
      expect(message).toMatch(/CB_INGEST_TOKEN_SECRET(_PREVIOUS)? must differ from CB_GATEWAY_SECRET/);
      expect(message).not.toContain(SECRET);
    }
  });
});

describe('token buckets', () => {
  it('allows the burst, then the rate, per key, and says when to come back', () => {
    let now = 0;
    const b = new TokenBuckets(2, 3, () => now);
    expect([1, 2, 3, 4].map(() => b.take('a').allowed)).toEqual([true, true, true, false]);
    expect(b.take('a').retryAfterMs).toBe(500);
    expect(b.take('b').allowed).toBe(true);
    now += 500;
    expect([b.take('a').allowed, b.take('a').allowed]).toEqual([true, false]);
    now += 60_000;
    expect([1, 2, 3, 4].map(() => b.take('a').allowed)).toEqual([true, true, true, false]);
  });

  it('forgets buckets that have refilled, so idle tenants hold no memory', () => {
    let now = 0;
    const b = new TokenBuckets(10, 10, () => now);
    for (let i = 0; i < 100; i += 1) b.take(`t${i}`);
    expect(b.size).toBe(100);
    now += 5_000;
    b.take('fresh');
    expect(b.size).toBe(1);
  });
});

describe('request bodies', () => {
  const ev = (tenantId: string, n: number) => ({ eventId: `e${n}`, type: 'call.offered', occurredAt: '2026-05-10T08:00:00Z', tenantId, queueId: 'q', callId: `c${n}`, channel: 'voice', direction: 'inbound' });

  it('numbers JSON lines as an editor does (blank and CRLF lines counted), and caps the events', () => {
    const items = jsonLinesItems(`${JSON.stringify(ev('t', 1))}\r\n\r\n{oops\n${JSON.stringify(ev('t', 2))}\n`, 10);
    expect(items.map((i) => [i.line, i.error?.code ?? 'ok'])).toEqual([
      [1, 'ok'],
      [3, 'CB_EVENT_JSON_PARSE'],
      [4, 'ok'],
    ]);
    expect(() => jsonLinesItems('1\n2\n3', 2)).toThrow(expect.objectContaining({ code: 'CB_TOO_MANY_EVENTS' }));
    expect(() => jsonArrayItems([1, 2, 3], 2)).toThrow(expect.objectContaining({ code: 'CB_TOO_MANY_EVENTS' }));
  });

  it('accepts the contract-valid events of the token tenant only', () => {
    const { accepted, rejected } = checkItems(jsonArrayItems([ev('t', 1), ev('u', 2), { ...ev('t', 3), channel: 'pigeon' }], 10), 't');
    expect(accepted.map((e) => e.eventId)).toEqual(['e1']);
    expect(rejected.map((r) => [r.line, r.code])).toEqual([
      [2, 'CB_TENANT_MISMATCH'],
      [3, 'CB_EVENT_INVALID'],
    ]);
  });
});
