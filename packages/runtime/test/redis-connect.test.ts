import { type ChildProcess, spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { createServer } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, createRootLogger, listenOn, type RedisTarget } from '../src/index.js';
import { infra } from '../../../test/helpers/infra.js';
import { waitFor } from '../../../test/helpers/wait.js';

const SECRET = 'pw-Zq8vL3-never-in-a-log';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

/** A root logger whose lines land in `lines`. */
function capturingLogger(lines: string[]) {
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return createRootLogger({ name: 'test', level: 'debug', destination });
}

describe('connectRedis: what a wrong Redis setting says (issue 9 acceptance 5, "no secret is ever printed")', () => {
  let server: ChildProcess | undefined;
  let port = 0;
  beforeAll(async () => {
    port = await freePort();
    // Debian's redis-server of our own, with a password, for this file.
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', SECRET], { stdio: 'ignore' });
    const lines: string[] = [];
    await waitFor('the private redis-server', async () => {
      const ok = await connectRedis({ mode: 'single', urls: [`redis://:${SECRET}@127.0.0.1:${port}`] }, capturingLogger(lines)).then(
        (c) => (c.disconnect(), true),
        () => undefined,
      );
      return ok;
    }, 20_000, 100);
  });
  afterAll(() => {
    server?.kill('SIGKILL');
  });

  it('a wrong password: CB_REDIS_UNAVAILABLE, and neither the error nor any log line holds the password', async () => {
    const lines: string[] = [];
    const wrong = `${SECRET}-wrong`;
    const err = await connectRedis({ mode: 'single', urls: [`redis://:${wrong}@127.0.0.1:${port}`] }, capturingLogger(lines), { retryStrategy: () => null }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CB_REDIS_UNAVAILABLE' });
    expect((err as Error).message).toMatch(/WRONGPASS|invalid username-password/);
    expect((err as Error).message).toContain(`redis://127.0.0.1:${port}`);
    expect(JSON.stringify({ message: (err as Error).message, context: (err as { context: unknown }).context })).not.toContain(SECRET);
    expect(lines.join('')).not.toContain(SECRET);
    expect(lines.join('')).toContain('redis connection error');
  });

  it('a logged ioredis error never shows the command it failed on', async () => {
    const lines: string[] = [];
    const logger = capturingLogger(lines);
    const client = await connectRedis({ mode: 'single', urls: [`redis://:${SECRET}@127.0.0.1:${port}`] }, logger);
    try {
      const err = await client.call('AUTH', `${SECRET}-other`).catch((e: unknown) => e);
      logger.warn({ err }, 'a command failed');
      expect(lines.join('')).toContain('a command failed');
      expect(lines.join('')).not.toContain(SECRET);
    } finally {
      client.disconnect();
    }
  });

  it('CB_REDIS_MODE=cluster given a single Redis: CB_CONFIG_INVALID saying to set single', async () => {
    const target: RedisTarget = { mode: 'cluster', urls: [`redis://:${SECRET}@127.0.0.1:${port}`] };
    const err = await connectRedis(target, capturingLogger([]), { retryStrategy: () => null }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CB_CONFIG_INVALID' });
    expect((err as Error).message).toMatch(/CB_REDIS_MODE=cluster but redis:\/\/127\.0\.0\.1:\d+ is a single Redis.*CB_REDIS_MODE=single/);
    expect((err as Error).message).not.toContain(SECRET);
  });

  it.runIf(infra.redis.mode === 'cluster')('CB_REDIS_MODE=single given a Cluster node: CB_CONFIG_INVALID saying to set cluster', async () => {
    const err = await connectRedis({ mode: 'single', urls: [infra.redis.urls[0]!] }, capturingLogger([])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CB_CONFIG_INVALID' });
    expect((err as Error).message).toMatch(/CB_REDIS_MODE=single but .* is a Redis Cluster node: set CB_REDIS_MODE=cluster/);
  });
});

describe('listenOn', () => {
  it('a port already in use: CB_CONFIG_INVALID naming it, not an uncaught EADDRINUSE', async () => {
    const first = createServer();
    await listenOn(first, 0, '127.0.0.1');
    const { port } = first.address() as { port: number };
    try {
      const err = await listenOn(createServer(), port, '127.0.0.1').catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CB_CONFIG_INVALID' });
      expect((err as Error).message).toContain(`cannot listen on 127.0.0.1:${port} (EADDRINUSE)`);
    } finally {
      first.close();
    }
  });
});
