import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseEvent, type CanonicalEventInput } from '@callboard/events';
import type { Redis } from '@callboard/runtime';
import { legacyPartitionKey, WindowStore } from '@callboard/windows';
import { callboard } from '../../../test/helpers/cli.js';
import { createTestStack, type TestStack } from '../../../test/helpers/infra.js';
import { testAggregator, waitUntilConsumed } from '../../../test/helpers/pipeline.js';
import { waitFor } from '../../../test/helpers/wait.js';

/**
 * A store of the layout before issue 9 is refused at start, and `callboard store migrate` moves it
 * so nothing the old store counted is counted again (docs/decisions/0007-one-slot-per-call.md).
 */
describe('the previous store layout', () => {
  let stack: TestStack;
  let redis: Redis;

  beforeAll(async () => {
    stack = await createTestStack('legacy');
    redis = stack.redis();
    await redis.connect();
  });
  afterAll(async () => {
    await stack?.cleanup();
  });

  it('is refused with CB_STORE_LAYOUT_OLD, and after `callboard store migrate` the old offsets are not counted twice', async () => {
    const namespace = `t${randomBytes(4).toString('hex')}`;
    const groupId = `${stack.prefix}agg`;
    const at = new Date(Date.now() - 60_000).toISOString();
    const offer = (callId: string) => parseEvent({ eventId: `${callId}-o`, type: 'call.offered', tenantId: 'acme', queueId: 'legacy', callId, occurredAt: at, channel: 'voice', direction: 'inbound' } as CanonicalEventInput);
    const producer = stack.kafka.producer();
    await producer.connect();
    const send = async (callId: string) => {
      const r = await stack.codec.encodeEvent(offer(callId));
      const [meta] = await producer.send({ topic: r.topic, messages: [{ key: r.key, value: r.value }] });
      return meta!;
    };
    try {
      // The old store counted this offer and kept its offset in the partition's hash.
      const counted = await send('old-1');
      await redis.hset(legacyPartitionKey(namespace, groupId, counted.topicName, counted.partition), 'offset', counted.baseOffset!, 'watermark', Date.parse(at));

      const store = new WindowStore(redis, { namespace });
      const refused = testAggregator(stack, store);
      await expect(refused.start()).rejects.toMatchObject({ code: 'CB_STORE_LAYOUT_OLD', message: expect.stringContaining('callboard store migrate') });
      await refused.close();

      const env = { CB_REDIS_NAMESPACE: namespace, CB_AGGREGATOR_GROUP: groupId, CB_TOPIC_PREFIX: stack.prefix };
      expect(await callboard(['store', 'check'], env)).toMatchObject({ code: 1, stdout: '{"legacyPartitions":1}\n' });
      const migrated = await callboard(['store', 'migrate'], env);
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(JSON.parse(migrated.stdout)).toMatchObject({ group: groupId, topic: counted.topicName, partition: counted.partition, offset: Number(counted.baseOffset) });
      expect(await callboard(['store', 'check'], env)).toMatchObject({ code: 0 });

      const aggregator = testAggregator(stack, store);
      await aggregator.start();
      try {
        await send('new-1');
        const now = Date.now();
        const offered = async () => (await store.readRange('acme', 'legacy', now - 3600_000, now, now)).counts.offered;
        // The new offer is counted; the old one, read again from the start of the topic, is skipped
        // as applied before the migration (its counters are the old store's, not written here).
        await waitUntilConsumed(stack, groupId);
        await waitFor('the new offer applied', async () => ((await offered()) >= 1 ? true : undefined), 60_000, 100);
        expect(await offered()).toBe(1);
      } finally {
        await aggregator.close();
      }
    } finally {
      await producer.disconnect();
    }
  });
});
