import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry, createRedis } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { createTestStack } from '../helpers/infra.js';
import { compareWithOracle, readInstantWithTraffic } from '../helpers/live-vs-oracle.js';
import { exited, produceSimulatedRun, waitUntilConsumed, testAggregator } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

const MIN = 60_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.once('error', reject);
  });
}

/** Debian's redis-server, our own instance for this test, persisted to disk on every write. */
function startRedis(port: number, dir: string): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
}

describe('a Redis outage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cb-redis-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pauses the consumer, commits nothing meanwhile, and loses or doubles nothing once Redis is back', async () => {
    const port = await freePort();
    let server = startRedis(port, dir);
    const stack = await createTestStack('redis-outage');
    const redis = createRedis(`redis://127.0.0.1:${port}`, stack.logger);
    await waitFor('redis to start', async () => {
      await redis.connect().catch(() => undefined);
      return (await redis.ping()) === 'PONG' ? true : undefined;
    });
    const store = new WindowStore(redis);
    const metrics = createMetricsRegistry('test');
    const groupId = `${stack.prefix}agg`;
    const aggregator = testAggregator(stack, store, { metrics });
    try {
      // Two 20-minute runs back to back, the second ending now, so every window holds traffic.
      const end = Math.floor(Date.now() / 1000) * 1000;
      const start = end - 40 * MIN;
      const first = await produceSimulatedRun(stack, { seed: 41, start, durationMs: 20 * MIN, endAt: start + 20 * MIN });
      await aggregator.start();
      await waitUntilConsumed(stack, groupId);

      server.kill('SIGTERM');
      await exited(server);
      const second = await produceSimulatedRun(stack, { seed: 42, start: start + 20 * MIN, durationMs: 20 * MIN, endAt: end });
      const retries = async () => (await metrics.getSingleMetric('callboard_consumer_batch_retries_total')!.get()).values.reduce((n, v) => n + v.value, 0);
      await waitFor('the consumer to retry', async () => ((await retries()) > 0 ? true : undefined), 60_000);
      // Nothing of the second run may be committed while Redis is away.
      const admin = stack.kafka.admin();
      await admin.connect();
      const committed = await admin.fetchOffsets({ groupId, topics: [stack.topology.callEvents.name] });
      const ends = await admin.fetchTopicOffsets(stack.topology.callEvents.name);
      await admin.disconnect();
      const behind = ends.some((e) => BigInt(e.high) > BigInt(committed[0]!.partitions.find((p) => p.partition === e.partition)!.offset));
      expect(behind).toBe(true);

      server = startRedis(port, dir);
      await waitUntilConsumed(stack, groupId, 120_000);
      const delivered = [...first.delivered, ...second.delivered];
      const { mismatches, compared, emptyWindows } = await compareWithOracle(store, delivered, { atMs: readInstantWithTraffic(delivered, end), range: { from: start, to: end + 1 } });
      expect(compared).toBeGreaterThan(0);
      expect(emptyWindows).toEqual([]);
      expect(mismatches).toEqual([]);
    } finally {
      await aggregator.close();
      redis.disconnect();
      server.kill('SIGTERM');
      await exited(server);
      await stack.cleanup();
    }
  }, 240_000);
});
