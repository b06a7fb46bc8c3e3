import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '@callboard/runtime';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { issueToken } from '../src/index.js';
import { connect, ORIGIN, SECRET, startTestGateway, type TestClient, type TestGateway } from './support.js';

/**
 * Sends a WebSocket handshake on a raw socket and resolves with whatever the server wrote before the
 * socket closed. `abort` destroys the socket as soon as the request is written, while the server is
 * still checking the token.
 */
function rawHandshake(port: number, headers: Record<string, string>, abort = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', (err) => (abort ? undefined : reject(err)));
    socket.on('close', () => resolve(received));
    socket.on('connect', () => {
      const lines = [
        'GET /ws HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n`, () => {
        if (abort) socket.destroy();
      });
    });
  });
}

describe('per-token connection slots over raw sockets (issue 8 item 3)', () => {
  let stack: TestStack;
  let redis: Redis;
  let gw: TestGateway;
  const opened: TestClient[] = [];

  beforeAll(async () => {
    stack = await createTestStack('gateway-slots');
    redis = stack.redis();
    await redis.connect();
    gw = await startTestGateway(stack, redis, { limits: { connectionsPerToken: 10 } });
  });
  afterAll(async () => {
    for (const c of opened) c.close();
    await gw?.close();
    await stack?.cleanup();
  });

  it('gives every slot back after 12 malformed and 12 aborted handshakes: the token still opens all 10 connections', async () => {
    const token = await issueToken({ tenantId: 'slots-co', role: 'wallboard', ttlSeconds: 600 }, SECRET);
    const port = gw.gateway.port;
    const base = { Authorization: `Bearer ${token}`, Origin: ORIGIN };
    // A version ws does not speak: the token is good, the upgrade never completes.
    for (let i = 0; i < 12; i += 1) {
      const answer = await rawHandshake(port, { ...base, 'Sec-WebSocket-Version': '12' });
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
    }
    // Sockets closed by the client while the server still checks the token.
    await Promise.all(Array.from({ length: 12 }, () => rawHandshake(port, { ...base, 'Sec-WebSocket-Version': '13' }, true)));
    const first = await waitFor(
      'a good connection with the same token',
      async () => {
        const r = await connect(gw.wsUrl, { token, origin: ORIGIN });
        return r.ok ? r.client : undefined;
      },
      10_000,
      100,
    );
    opened.push(first);
    for (let i = 1; i < 10; i += 1) {
      const r = await connect(gw.wsUrl, { token, origin: ORIGIN });
      expect(r.ok ? 'open' : `refused ${r.status}`, `connection ${i + 1} of 10`).toBe('open');
      if (r.ok) opened.push(r.client);
    }
    const eleventh = await connect(gw.wsUrl, { token, origin: ORIGIN });
    expect(eleventh.ok ? 0 : eleventh.status).toBe(429);
  });

  it('gives the slot back when the client leaves while its token is still being checked', async () => {
    const token = await issueToken({ tenantId: 'slots-co', role: 'lead', ttlSeconds: 600 }, SECRET);
    const headers = { Authorization: `Bearer ${token}`, Origin: ORIGIN, 'Sec-WebSocket-Version': '13' };
    for (let round = 0; round < 3; round += 1) await Promise.all(Array.from({ length: 12 }, () => rawHandshake(gw.gateway.port, headers, true)));
    const mine: TestClient[] = [];
    try {
      for (let i = 0; i < 10; i += 1) {
        const r = await waitFor(`connection ${i + 1} of 10`, async () => {
          const attempt = await connect(gw.wsUrl, { token, origin: ORIGIN });
          return attempt.ok ? attempt : undefined;
        }, 10_000, 100);
        mine.push(r.client);
      }
    } finally {
      for (const c of mine) c.close();
    }
  });
});
