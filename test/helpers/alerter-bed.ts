import { afterAll, beforeAll } from 'vitest';
import type { AlertStore } from '@callboard/alerter';
import type { GrouperSnapshot } from '@callboard/alerts';
import type { Redis } from '@callboard/runtime';
import type { QueueView } from '@callboard/windows';
import { createTestStack, type TestStack } from './infra.js';
import { waitFor } from './wait.js';
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
      // A cadence, not a wait: the aggregator's snapshot tick, which data age and `forMs` are measured against.
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

/**
 * Waits until the alerter of `store` has nothing left to send: every tenant's outbox empty, then
 * the dispatcher's outbox drained, no notification waiting in a group, no delivery queued or in
 * flight. An entry leaves a tenant's outbox only once it is in the dispatcher's, and one MULTI reads
 * the four {notify} keys, so a notification on its way from one to the next is never missed; every
 * one made before the call has then been POSTed (or dead-lettered).
 */
export async function dispatchSettled(store: AlertStore, timeoutMs = 60_000): Promise<void> {
  const k = store.keys;
  await waitFor(
    'the dispatcher to settle',
    async () => {
      for (const tenantId of await store.tenants()) if ((await store.redis.llen(k.outbox(tenantId))) > 0) return undefined;
      const replies = await store.redis.multi().llen(k.dispatchOutbox).get(k.grouper).zcard(k.deliveryQueue).zcard(k.inFlight).exec();
      const [outbox, grouper, queued, inFlight] = (replies ?? []).map(([err, value]) => {
        if (err) throw err;
        return value;
      }) as [number, string | null, number, number];
      const waiting = grouper ? (JSON.parse(grouper) as GrouperSnapshot).groups.some((g) => g.pending.length > 0) : false;
      return outbox + queued + inFlight === 0 && !waiting ? true : undefined;
    },
    timeoutMs,
    50,
  );
}
