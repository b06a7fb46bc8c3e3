import { afterAll, beforeAll } from 'vitest';
import type { Redis } from '@callboard/runtime';
import type { QueueView } from '@callboard/windows';
import { createTestStack, type TestStack } from './infra.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

/** What the alerter's end-to-end tests share: real topics, a Redis client and a webhook receiver. */
export interface AlerterBed {
  stack: TestStack;
  redis: Redis;
  receiver: WebhookReceiver;
}

/** Makes an {@link AlerterBed} before the file's tests and tears it down after them. */
export function useAlerterBed(label: string): AlerterBed {
  const bed = {} as AlerterBed;
  beforeAll(async () => {
    bed.stack = await createTestStack(label);
    bed.redis = bed.stack.redis();
    await bed.redis.connect();
    bed.receiver = await startWebhookReceiver();
  });
  afterAll(async () => {
    await bed.receiver?.close();
    await bed.stack?.cleanup();
  });
  return bed;
}

/** A running publisher of KPI snapshots; `stop` waits for its last send. */
export interface SnapshotPublisher {
  stop(): Promise<void>;
}

/**
 * Publishes a snapshot of each queue `views` returns to the stack's real cc.kpi.v1 every `everyMs`
 * (keyed tenant/queue, Avro through the registry), as the aggregator's tick does, until stopped.
 */
export function publishSnapshots(stack: TestStack, views: () => QueueView[], everyMs = 200): SnapshotPublisher {
  const producer = stack.kafka.producer();
  let stopped = false;
  const done = (async () => {
    await producer.connect();
    while (!stopped) {
      const messages = await Promise.all(views().map(async (v) => ({ key: `${v.tenantId}/${v.queueId}`, value: await stack.codec.encode(stack.topology.kpi.name, { ...v }) })));
      await producer.send({ topic: stack.topology.kpi.name, messages });
      await new Promise((r) => setTimeout(r, everyMs));
    }
    await producer.disconnect();
  })();
  return {
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}
