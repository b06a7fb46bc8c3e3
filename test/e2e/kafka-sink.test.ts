import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStack, type TestStack } from '../helpers/infra.js';
import { produceSimulatedRun } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/wait.js';

describe('the simulator Kafka sink', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await createTestStack('sink');
  });
  afterAll(async () => stack?.cleanup());

  // Regression: a linger flush during the first registry look-up once dropped the first call event.
  it('delivers every event of the ground truth, decodable, with a cold schema cache', async () => {
    const { truth } = await produceSimulatedRun(stack, { seed: 3, start: Date.now() - 50 * 60_000, durationMs: 20 * 60_000 });
    const seen = new Set<string>();
    const consumer = stack.kafka.consumer({ groupId: `${stack.prefix}reader` });
    await consumer.connect();
    await consumer.subscribe({ topics: [stack.topology.callEvents.name, stack.topology.agentEvents.name], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const d = await stack.codec.decode(message.value);
        if (d.ok) seen.add(d.value.eventId as string);
      },
    });
    try {
      await waitFor('every event', () => (seen.size >= truth.length ? true : undefined), 30_000).catch(() => undefined);
    } finally {
      await consumer.disconnect();
    }
    expect(truth.filter((e) => !seen.has(e.eventId)).map((e) => e.eventId)).toEqual([]);
  });
});
