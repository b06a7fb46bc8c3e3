import { randomBytes } from 'node:crypto';
import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallboardError } from '@callboard/errors';
import { parseEvent } from '@callboard/events';
import { describeAssignment } from '../../../test/helpers/consumer-group.js';
import { createTestStack, readBack, type TestStack } from '../../../test/helpers/infra.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { SAMPLE_EVENTS } from '../../events/test/fixtures.js';
import { createEventConsumer, createMetricsRegistry, type EventBatch, type EventConsumer } from '../src/index.js';
import { isRestartable } from '../src/kafka.js';

const QUICK_BACKOFF = { initialDelayMs: 20, maxDelayMs: 100 };

// Whole batches (the gateway, the alerter) and chunks of one record, so every record is its own apply (the aggregator's path, issue 9 item 5).
describe.each([{ chunkSize: undefined, mode: 'whole batches' }, { chunkSize: 1, mode: 'chunks of one record' }])('event consumer in $mode: one DLQ record per bad input, and a crash policy (issue 8 items 9, 10)', ({ chunkSize }) => {
  let stack: TestStack;
  let topic: string;

  beforeAll(async () => {
    stack = await createTestStack('policy');
    topic = stack.topology.callEvents.name;
    // valid, corrupt, valid: one key, so one partition, in this order (offsets 0, 1, 2).
    const producer = stack.kafka.producer();
    await producer.connect();
    const first = await stack.codec.encodeEvent(parseEvent(SAMPLE_EVENTS[0]));
    const second = await stack.codec.encodeEvent(parseEvent({ ...SAMPLE_EVENTS[1], eventId: 'after-corrupt' }));
    const garbage = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x42]);
    await producer.send({ topic, messages: [{ key: 'c-1', value: first.value }, { key: 'c-1', value: garbage }, { key: 'c-1', value: second.value }] });
    await producer.disconnect();
  });
  afterAll(async () => stack?.cleanup());

  function consumerWith(handleBatch: (batch: EventBatch) => Promise<void>, onFatal?: (err: unknown) => void, groupId = `${stack.prefix}group-${randomBytes(3).toString('hex')}`): EventConsumer {
    return createEventConsumer({
      kafka: stack.kafka,
      codec: stack.codec,
      logger: stack.logger,
      metrics: createMetricsRegistry('test'),
      service: 'test',
      groupId,
      topics: [topic],
      retryBackoff: QUICK_BACKOFF,
      ...(chunkSize ? { chunkSize } : {}),
      handleBatch,
      ...(onFatal ? { onFatal } : {}),
    });
  }

  async function dlqRecordCount(): Promise<number> {
    const admin = stack.kafka.admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(stack.topology.dlq.name);
      return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }

  it('writes a corrupt record to the DLQ once while the apply of its batch fails retriably three times in Redis', async () => {
    const redis = stack.redis();
    await redis.connect();
    const appliedKey = `${stack.prefix}applied`;
    let injected = 0;
    const consumer = consumerWith(async (batch) => {
      // The batch that holds the corrupt record (offset 1) meets a Redis outage three times.
      if (BigInt(batch.lastOffset) >= 1n && injected < 3) {
        injected += 1;
        throw new CallboardError('CB_REDIS_UNAVAILABLE', 'injected outage', { retriable: true });
      }
      if (batch.events.length > 0) await redis.rpush(appliedKey, ...batch.events.map((e) => e.event.eventId));
    });
    await consumer.start();
    try {
      await waitFor('both valid events applied', async () => ((await redis.lrange(appliedKey, 0, -1)).length >= 2 ? true : undefined), 30_000);
    } finally {
      await consumer.close();
    }
    expect(injected).toBe(3);
    expect(await redis.lrange(appliedKey, 0, -1)).toEqual(['e-1', 'after-corrupt']);
    // Every DLQ write was acknowledged before the apply ran, so the topic holds all there will be.
    expect(await dlqRecordCount()).toBe(1);
    const [record] = await readBack(stack, stack.topology.dlq.name, (rs) => rs.length > 0);
    expect(record).toMatchObject({ sourceTopic: topic, sourceOffset: '1', reasonCode: 'CB_EVENT_NOT_WIRE_FORMAT' });
  });

  it('stops for good on an error retrying cannot fix: onFatal once with the cause, no restart, the group left', async () => {
    const bug = new Error('injected bug: cannot apply');
    let calls = 0;
    const fatal: unknown[] = [];
    const groupId = `${stack.prefix}fatal`;
    const consumer = consumerWith(
      async () => {
        calls += 1;
        throw bug;
      },
      (err) => fatal.push(err),
      groupId,
    );
    const restarts: boolean[] = [];
    consumer.consumer.on(consumer.consumer.events.CRASH, (e) => restarts.push(e.payload.restart));
    await consumer.start();
    const admin = stack.kafka.admin();
    await admin.connect();
    try {
      await waitFor('onFatal', () => (fatal.length > 0 ? true : undefined), 20_000);
      expect(fatal).toEqual([bug]);
      expect(restarts).toEqual([false]);
      // A bug is not retried: the apply ran once.
      expect(calls).toBe(1);
      expect(consumer.isHealthy()).toBe(false);
      // Stopped: the member left the group, and kafkajs said it would not restart it.
      let seen = '';
      await waitFor('the group to have no members', async () => {
        const group = await describeAssignment(admin, groupId);
        seen = `${group.state} with ${group.members.length} members`;
        // Empty, or Dead when the group never committed an offset (the apply failed on its first batch).
        return (group.state === 'Empty' || group.state === 'Dead') && group.members.length === 0 ? true : undefined;
      }, 30_000).catch((err: Error) => {
        throw new Error(`${err.message}; last seen: ${seen}`);
      });
    } finally {
      await admin.disconnect();
      await consumer.close();
    }
  });

  it('keeps going through retriable failures: the batch is applied and onFatal is never called', async () => {
    let failures = 0;
    const applied: string[] = [];
    const fatal: unknown[] = [];
    const consumer = consumerWith(
      async (batch) => {
        if (failures < 2) {
          failures += 1;
          throw new CallboardError('CB_REDIS_UNAVAILABLE', 'injected outage', { retriable: true });
        }
        applied.push(...batch.events.map((e) => e.event.eventId));
      },
      (err) => fatal.push(err),
    );
    const crashes: unknown[] = [];
    consumer.consumer.on(consumer.consumer.events.CRASH, (e) => crashes.push(e.payload.error));
    await consumer.start();
    try {
      await waitFor('both valid events applied', () => (applied.length >= 2 ? true : undefined), 30_000);
      expect(applied).toEqual(['e-1', 'after-corrupt']);
      expect(failures).toBe(2);
      expect(fatal).toEqual([]);
      expect(crashes).toEqual([]);
      expect(consumer.isHealthy()).toBe(true);
    } finally {
      await consumer.close();
    }
  });

  it('restarts only on a retriable root cause (pure classification of kafkajs crash errors)', () => {
    const brokerDown = new KafkaJSConnectionError('Connection timeout');
    expect(isRestartable(new KafkaJSNumberOfRetriesExceeded(brokerDown, { retryCount: 5, retryTime: 1000, cause: brokerDown } as never))).toBe(true);
    const bug = new Error('bug');
    expect(isRestartable(new KafkaJSNumberOfRetriesExceeded(bug, { retryCount: 5, retryTime: 1000, cause: bug } as never))).toBe(false);
    const outage = new CallboardError('CB_REDIS_UNAVAILABLE', 'down', { retriable: true });
    expect(isRestartable(new KafkaJSNumberOfRetriesExceeded(outage, { retryCount: 5, retryTime: 1000, cause: outage } as never))).toBe(true);
    const script = new CallboardError('CB_REDIS_SCRIPT', 'script error');
    // kafkajs' retrier wraps a non-retriable error as KafkaJSNonRetriableError(e, { cause: e.cause || e }).
    expect(isRestartable(Object.assign(new KafkaJSNonRetriableError(script), { cause: script }))).toBe(false);
    expect(isRestartable(new KafkaJSNonRetriableError('invalid config'))).toBe(false);
    expect(isRestartable(new TypeError('x is not a function'))).toBe(false);
  });
});
