import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isCallboardError } from '@callboard/errors';
import { CLOSE_CODES, GATEWAY_DEFAULTS, GATEWAY_REASONS, loadGatewayConfig, PROTOCOL_ERROR_CODES } from '../src/index.js';
import { CLIENT_MESSAGE_TYPES } from '../src/messages.js';

const SECRET = 's'.repeat(32);

describe('gateway configuration', () => {
  it('applies the defaults and a unique consumer group per instance', () => {
    const a = loadGatewayConfig({ CB_GATEWAY_SECRET: SECRET });
    const b = loadGatewayConfig({ CB_GATEWAY_SECRET: SECRET });
    expect(a.port).toBe(GATEWAY_DEFAULTS.CB_GATEWAY_PORT);
    expect(a.origins).toEqual(['http://127.0.0.1:9404', 'http://localhost:9404']);
    expect(a.limits).toMatchObject({ maxFrameBytes: 16_384, messagesPerSecond: 20, connectionsPerToken: 10, maxBufferedBytes: 1_048_576 });
    expect(a.groupId).toMatch(/^callboard-gateway-[0-9a-f-]{36}$/);
    expect(a.groupId).not.toBe(b.groupId);
    expect(Object.isFrozen(a)).toBe(true);
    expect(loadGatewayConfig({ CB_GATEWAY_SECRET: SECRET, CB_GATEWAY_ORIGINS: 'https://board.example.com, http://tv:8080' }).origins).toEqual(['https://board.example.com', 'http://tv:8080']);
  });

  it('refuses a missing or short secret and bad origins, naming the variable', () => {
    for (const env of [{}, { CB_GATEWAY_SECRET: 'short' }, { CB_GATEWAY_SECRET: SECRET, CB_GATEWAY_ORIGINS: 'not a url' }]) {
      try {
        loadGatewayConfig(env);
        expect.unreachable();
      } catch (err) {
        expect(isCallboardError(err, 'CB_CONFIG_INVALID')).toBe(true);
        expect((err as Error).message).toMatch(/CB_GATEWAY_(SECRET|ORIGINS)/);
      }
    }
  });

  it('puts operational metrics on a loopback ops port and takes an optional scrape token of at least 32 characters', () => {
    const a = loadGatewayConfig({ CB_GATEWAY_SECRET: SECRET });
    expect(a).toMatchObject({ opsPort: 9405, opsHost: '127.0.0.1', limits: { ticketsPerMinute: 10 } });
    expect(a.scrapeToken).toBeUndefined();
    expect(loadGatewayConfig({ CB_GATEWAY_SECRET: SECRET, CB_GATEWAY_SCRAPE_TOKEN: 't'.repeat(32), CB_GATEWAY_OPS_PORT: '0' })).toMatchObject({ scrapeToken: 't'.repeat(32), opsPort: 0 });
    try {
      loadGatewayConfig({ CB_GATEWAY_SECRET: SECRET, CB_GATEWAY_SCRAPE_TOKEN: 'hunter6-too-short' });
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).toContain('CB_GATEWAY_SCRAPE_TOKEN: must be at least 32 characters');
      expect((err as Error).message).not.toContain('hunter6');
    }
  });

  it('refuses an ingest token secret equal to its own, naming the variables and never the value', () => {
    expect(loadGatewayConfig({ CB_GATEWAY_SECRET: SECRET, CB_INGEST_TOKEN_SECRET: 'i'.repeat(32) }).secret).toBe(SECRET);
    for (const name of ['CB_INGEST_TOKEN_SECRET', 'CB_INGEST_TOKEN_SECRET_PREVIOUS']) {
      let caught: unknown;
      try {
        loadGatewayConfig({ CB_GATEWAY_SECRET: SECRET, [name]: SECRET });
      } catch (err) {
        caught = err;
      }
      expect(isCallboardError(caught, 'CB_CONFIG_INVALID')).toBe(true);
      expect((caught as Error).message).toContain(name);
      expect((caught as Error).message).not.toContain(SECRET);
    }
  });

  it('never prints the value of a rejected secret: CB_GATEWAY_SECRET=hunter2 names the variable only', () => {
    try {
      loadGatewayConfig({ CB_GATEWAY_SECRET: 'hunter2' });
      expect.unreachable();
    } catch (err) {
      expect(isCallboardError(err, 'CB_CONFIG_INVALID')).toBe(true);
      const text = `${(err as Error).message} ${JSON.stringify((err as { context: unknown }).context)}`;
      expect(text).toContain('CB_GATEWAY_SECRET');
      expect(text).toContain(`at least ${32} characters`);
      expect(text).not.toContain('hunter2');
    }
  });
});

describe('docs/websocket-protocol.md', () => {
  const doc = readFileSync(new URL('../../../docs/websocket-protocol.md', import.meta.url), 'utf8');

  it('documents every client message type, error code, close code and refusal reason the server uses', () => {
    for (const type of CLIENT_MESSAGE_TYPES) expect(doc, type).toContain(`| \`${type}\` |`);
    for (const code of PROTOCOL_ERROR_CODES) expect(doc, code).toContain(`| \`${code}\` |`);
    for (const code of Object.values(CLOSE_CODES)) expect(doc, String(code)).toContain(`| ${code} |`);
    for (const reason of GATEWAY_REASONS) expect(doc, reason).toContain(`\`${reason}\``);
    for (const type of ['hello', 'snapshot', 'kpi', 'alert', 'pong', 'unsubscribed', 'error']) expect(doc, type).toContain(`"type":"${type}"`);
    expect(doc).toContain('"type":"acked"');
  });
});
