import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent, type CanonicalEvent } from '@callboard/events';
import { createTestStack, readBack, type TestStack } from '../../../test/helpers/infra.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { SAMPLE_EVENTS } from '../../events/test/fixtures.js';
import { createEventConsumer, createMetricsRegistry } from '../src/index.js';

describe('event consumer: bad records go to the DLQ and never stop the partition', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack('dlq');
  });
  afterAll(async () => stack?.cleanup());

  it('sends corrupt bytes to cc.dlq.v1 with their coordinates, and consumes the next valid event', async () => {
    const topic = stack.topology.callEvents.name;
    const first = parseEvent(SAMPLE_EVENTS[0]);
    const second = parseEvent({ ...SAMPLE_EVENTS[1], eventId: 'after-corrupt' });
    const garbage = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x42]);
    const producer = stack.kafka.producer();
    await producer.connect();
    // One key, so all three land in one partition, in this order.
    const encoded1 = await stack.codec.encodeEvent(first);
    const encoded2 = await stack.codec.encodeEvent(second);
    await producer.send({ topic, messages: [{ key: 'c-1', value: encoded1.value }, { key: 'c-1', value: garbage }, { key: 'c-1', value: encoded2.value }] });
    await producer.disconnect();

    const seen: CanonicalEvent[] = [];
    const metrics = createMetricsRegistry('test');
    const consumer = createEventConsumer({
      kafka: stack.kafka,
      codec: stack.codec,
      logger: stack.logger,
      metrics,
      service: 'test',
      groupId: `${stack.prefix}group`,
      topics: [topic],
      handleBatch: async (batch) => {
        seen.push(...batch.events.map((e) => e.event));
      },
    });
    await consumer.start();
    try {
      await waitFor('both valid events', () => (seen.length >= 2 ? true : undefined), 30_000, 200);
      expect(seen.map((e) => e.eventId)).toEqual(['e-1', 'after-corrupt']);
    } finally {
      await consumer.close();
    }

    // Read the DLQ back through the registry.
    const [record] = await readBack(stack, stack.topology.dlq.name, (rs) => rs.length > 0);
    expect(record).toMatchObject({ sourceTopic: topic, sourceOffset: '1', reasonCode: 'CB_EVENT_NOT_WIRE_FORMAT', service: 'test' });
    expect(Buffer.from(record!.value as Buffer)).toEqual(garbage);
    expect(typeof record!.sourcePartition).toBe('number');
    const counted = await metrics.getSingleMetric('callboard_dlq_records_total')!.get();
    expect(counted.values.find((v) => v.labels.reason === 'CB_EVENT_NOT_WIRE_FORMAT')?.value).toBe(1);
  });
});
