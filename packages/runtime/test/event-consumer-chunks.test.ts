import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isCallEvent, parseEvent } from '@callboard/events';
import { createTestStack, readBack, type TestStack } from '../../../test/helpers/infra.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { SAMPLE_EVENTS } from '../../events/test/fixtures.js';
import { createEventConsumer, createMetricsRegistry, type EventBatch, type EventConsumer, unavailable } from '../src/index.js';

const QUICK_BACKOFF = { initialDelayMs: 20, maxDelayMs: 200 };
const CHUNK = 4;
const RECORDS = 30;
/** Offsets of corrupt records: one mid-chunk, a whole chunk of them (8..11), and one right after. */
const GARBAGE = new Set([5, 8, 9, 10, 11, 13]);
const garbage = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x42]);

/** The valid event at `offset`: its callId is `call-<offset>` unless `callIdAt` says otherwise. */
function eventAt(offset: number, callIdAt: (offset: number) => string = (o) => `call-${o}`) {
  return parseEvent({ ...SAMPLE_EVENTS[0], eventId: `ev-${offset}`, callId: callIdAt(offset) });
}

/** RECORDS records under one key (one partition, offsets 0..RECORDS-1), corrupt at GARBAGE. */
async function produce(stack: TestStack, callIdAt?: (offset: number) => string): Promise<string[]> {
  const topic = stack.topology.callEvents.name;
  const messages: { key: string; value: Buffer }[] = [];
  const valid: string[] = [];
  for (let o = 0; o < RECORDS; o += 1) {
    if (GARBAGE.has(o)) messages.push({ key: 'k', value: garbage });
    else {
      messages.push({ key: 'k', value: (await stack.codec.encodeEvent(eventAt(o, callIdAt))).value });
      valid.push(`ev-${o}`);
    }
  }
  const producer = stack.kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages });
  await producer.disconnect();
  return valid;
}

async function committedOffset(stack: TestStack, groupId: string): Promise<number> {
  const admin = stack.kafka.admin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({ groupId, topics: [stack.topology.callEvents.name] });
    return Math.max(...topic!.partitions.map((p) => Number(p.offset)));
  } finally {
    await admin.disconnect();
  }
}

function chunkedConsumer(stack: TestStack, groupId: string, handleBatch: (batch: EventBatch) => Promise<void>, extra: { onFatal?: (err: unknown) => void; metrics?: ReturnType<typeof createMetricsRegistry> } = {}): EventConsumer {
  return createEventConsumer({
    kafka: stack.kafka,
    codec: stack.codec,
    logger: stack.logger,
    metrics: extra.metrics ?? createMetricsRegistry('test'),
    service: 'test',
    groupId,
    topics: [stack.topology.callEvents.name],
    retryBackoff: QUICK_BACKOFF,
    chunkSize: CHUNK,
    handleBatch,
    ...(extra.onFatal ? { onFatal: extra.onFatal } : {}),
  });
}

describe('event consumer in chunks: decode overlaps apply, applies stay in order (issue 9 item 5)', () => {
  it('refuses a chunk size that is not a positive integer', async () => {
    const stack = { kafka: undefined, codec: undefined, logger: undefined, topology: { callEvents: { name: 't' } } } as unknown as TestStack;
    for (const chunkSize of [0, -1, 2.5]) {
      expect(() => createEventConsumer({ ...chunkedConsumerOptions(stack), chunkSize })).toThrow(expect.objectContaining({ code: 'CB_CONFIG_INVALID' }));
    }
  });

  describe('a batch larger than a chunk', () => {
    let stack: TestStack;
    let valid: string[];
    beforeAll(async () => {
      stack = await createTestStack('chunks');
      valid = await produce(stack);
    });
    afterAll(async () => stack?.cleanup());

    it('hands it over chunk by chunk, one apply at a time, each valid event once, refused ones to the DLQ once, and commits after the last', async () => {
      const redis = stack.redis();
      await redis.connect();
      const listKey = `${stack.prefix}applied`;
      const calls: { lastOffset: number; events: number }[] = [];
      const batchEnds = new Set<number>();
      let inFlight = 0;
      let maxInFlight = 0;
      const groupId = `${stack.prefix}group`;
      const consumer = chunkedConsumer(stack, groupId, async (batch) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          calls.push({ lastOffset: Number(batch.lastOffset), events: batch.events.length });
          // A real round trip, so the next chunk decodes while this one waits on Redis.
          await redis.rpush(listKey, ...(batch.events.length > 0 ? batch.events.map((e) => e.event.eventId) : ['(none)']));
        } finally {
          inFlight -= 1;
        }
      });
      consumer.consumer.on(consumer.consumer.events.END_BATCH_PROCESS, (e) => batchEnds.add(Number(e.payload.lastOffset)));
      await consumer.start();
      try {
        await waitFor('every record committed', async () => ((await committedOffset(stack, groupId)) === RECORDS ? true : undefined), 30_000);
      } finally {
        await consumer.close();
      }
      const applied = (await redis.lrange(listKey, 0, -1)).filter((id) => id !== '(none)');
      expect(applied).toEqual(valid);
      expect(maxInFlight).toBe(1);
      // Calls cover consecutive runs of at most CHUNK records, valid or not, up to the last record.
      let previous = -1;
      for (const call of calls) {
        expect(call.lastOffset).toBeGreaterThan(previous);
        expect(call.lastOffset - previous).toBeLessThanOrEqual(CHUNK);
        previous = call.lastOffset;
      }
      expect(previous).toBe(RECORDS - 1);
      // The chunk of corrupt records only is still handed over, so a stored offset can move past it.
      expect(calls).toContainEqual({ lastOffset: 11, events: 0 });
      // Chunks, not whole batches: some calls ended inside a kafkajs batch.
      expect(calls.some((c) => !batchEnds.has(c.lastOffset))).toBe(true);
      const dlq = await readBack(stack, stack.topology.dlq.name, (rs) => rs.length >= GARBAGE.size);
      expect(dlq.map((r) => Number(r.sourceOffset)).sort((a, b) => a - b)).toEqual([...GARBAGE]);
    });
  });

  describe('a chunk whose apply fails', () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await createTestStack('chunks-fail');
      // The event at offset 14 (the chunk 12..15) belongs to a call whose Redis key is poisoned below.
      await produce(stack, (o) => (o === 14 ? 'poison' : `call-${o}`));
    });
    afterAll(async () => stack?.cleanup());

    it('for a reason retrying cannot fix (a Redis WRONGTYPE error): the chunks after it are never applied, nothing of its batch is committed, onFatal once', async () => {
      const redis = stack.redis();
      await redis.connect();
      const keyOf = (callId: string) => `${stack.prefix}call:${callId}`;
      await redis.set(keyOf('poison'), 'not a list');
      const calls: number[] = [];
      const fatal: unknown[] = [];
      const groupId = `${stack.prefix}fatal`;
      const consumer = chunkedConsumer(
        stack,
        groupId,
        async (batch) => {
          calls.push(Number(batch.lastOffset));
          for (const { event } of batch.events) if (isCallEvent(event)) await redis.rpush(keyOf(event.callId), event.eventId);
        },
        { onFatal: (err) => fatal.push(err) },
      );
      await consumer.start();
      try {
        await waitFor('onFatal', () => (fatal.length > 0 ? true : undefined), 30_000);
      } finally {
        await consumer.close();
      }
      expect(fatal).toHaveLength(1);
      expect((fatal[0] as Error).message).toMatch(/WRONGTYPE/);
      // Every chunk up to the failing one, once each (a script error is not retried), none after it.
      expect(calls.at(-1)).toBe(15);
      expect(calls).toEqual([...new Set(calls)].sort((a, b) => a - b));
      expect(await redis.lrange(keyOf('call-12'), 0, -1)).toEqual(['ev-12']);
      expect(await redis.exists(keyOf('call-16'))).toBe(0);
      expect(await committedOffset(stack, groupId)).toBeLessThanOrEqual(12);
    });
  });

  describe('a chunk whose apply meets a Redis outage', () => {
    let stack: TestStack;
    let valid: string[];
    const dir = mkdtempSync(join(tmpdir(), 'cb-chunks-redis-'));
    const socket = join(dir, 'redis.sock');
    let server: ChildProcess | undefined;
    /** Debian's redis-server, private to this test, on a unix socket, persisted on every write. */
    const startServer = (): ChildProcess =>
      spawn('redis-server', ['--port', '0', '--unixsocket', socket, '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
    const stopServer = async (): Promise<void> => {
      const s = server;
      server = undefined;
      if (!s || s.exitCode !== null) return;
      const gone = new Promise((resolve) => s.once('exit', resolve));
      s.kill('SIGKILL');
      await gone;
    };
    beforeAll(async () => {
      stack = await createTestStack('chunks-outage');
      valid = await produce(stack);
    });
    afterAll(async () => {
      await stopServer();
      await stack?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it('retries that chunk until Redis is back, applies no later chunk before it, commits nothing meanwhile, and applies each event once', async () => {
      server = startServer();
      const redis = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
      redis.on('error', () => undefined);
      await waitFor('the private redis to start', async () => {
        await redis.connect().catch(() => undefined);
        return (await redis.ping()) === 'PONG' ? true : undefined;
      });
      const listKey = 'applied';
      const attempts: { lastOffset: number; ok: boolean }[] = [];
      const metrics = createMetricsRegistry('test');
      const groupId = `${stack.prefix}outage`;
      const consumer = chunkedConsumer(
        stack,
        groupId,
        async (batch) => {
          // The chunk 12..15 takes Redis down the first time it is applied.
          if (Number(batch.lastOffset) === 15 && attempts.every((a) => a.lastOffset !== 15)) await stopServer();
          try {
            await redis.rpush(listKey, ...batch.events.map((e) => e.event.eventId), `end:${batch.lastOffset}`);
          } catch (err) {
            attempts.push({ lastOffset: Number(batch.lastOffset), ok: false });
            throw unavailable('CB_REDIS_UNAVAILABLE', err, 'test apply');
          }
          attempts.push({ lastOffset: Number(batch.lastOffset), ok: true });
        },
        { metrics },
      );
      const retries = async () => (await metrics.getSingleMetric('callboard_consumer_batch_retries_total')!.get()).values.reduce((n, v) => n + v.value, 0);
      await consumer.start();
      try {
        await waitFor('the chunk to be retried twice', async () => ((await retries()) >= 2 ? true : undefined), 30_000);
        // While Redis is away: nothing past the failing chunk was handed over, nothing committed past it.
        expect(attempts.filter((a) => a.lastOffset > 15)).toEqual([]);
        expect(await committedOffset(stack, groupId)).toBeLessThanOrEqual(12);
        server = startServer();
        await waitFor('every record committed', async () => ((await committedOffset(stack, groupId)) === RECORDS ? true : undefined), 60_000);
      } finally {
        await consumer.close();
        redis.disconnect();
      }
      // Each chunk applied once, in order: the failed attempts are all of the chunk 12..15.
      expect(attempts.filter((a) => !a.ok).every((a) => a.lastOffset === 15)).toBe(true);
      const succeeded = attempts.filter((a) => a.ok).map((a) => a.lastOffset);
      expect(succeeded).toEqual([...succeeded].sort((a, b) => a - b));
      expect(new Set(succeeded).size).toBe(succeeded.length);
      const restarted = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 1 });
      try {
        await restarted.connect();
        const written = await restarted.lrange(listKey, 0, -1);
        expect(written.filter((id) => !id.startsWith('end:'))).toEqual(valid);
      } finally {
        restarted.disconnect();
      }
    });
  });
});

/** The options of {@link chunkedConsumer} without a chunk size, for the validation test. */
function chunkedConsumerOptions(stack: TestStack) {
  return {
    kafka: stack.kafka,
    codec: stack.codec,
    logger: stack.logger,
    metrics: createMetricsRegistry('test'),
    service: 'test',
    groupId: 'unused',
    topics: [stack.topology.callEvents.name],
    handleBatch: async () => undefined,
  };
}
