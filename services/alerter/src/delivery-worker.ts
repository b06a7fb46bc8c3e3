import { backoffDelay } from '@callboard/errors';
import type { Logger } from '@callboard/runtime';
import type { AlertStore } from './alert-store.js';
import type { Delivery } from './dispatcher.js';
import type { AlerterMetrics } from './metrics.js';

export interface DeliveryWorkerDeps {
  store: AlertStore;
  logger: Logger;
  metrics: AlerterMetrics;
  now: () => number;
  timeoutMs: number;
  maxAttempts: number;
  backoff: { initialDelayMs: number; maxDelayMs: number };
}

/**
 * Sends due webhook deliveries with an `Idempotency-Key` header. A failure (non-2xx, timeout,
 * refused) is retried with exponential backoff and jitter; after the last attempt the delivery goes
 * to the dead-letter list. It runs apart from evaluation, so a slow or failing webhook never
 * delays an alert's state.
 */
export class DeliveryWorker {
  private readonly inFlight = new Set<string>();

  constructor(private readonly deps: DeliveryWorkerDeps) {}

  async runOnce(max = 20): Promise<number> {
    const { store } = this.deps;
    const now = this.deps.now();
    const ids = (await store.redis.zrangebyscore(store.keys.deliveryQueue, '-inf', now, 'LIMIT', 0, max)).filter((id) => !this.inFlight.has(id));
    this.deps.metrics.notificationsPending.set(await store.redis.zcard(store.keys.deliveryQueue));
    await Promise.all(ids.map((id) => this.deliver(id)));
    return ids.length;
  }

  private async deliver(id: string): Promise<void> {
    const { store, metrics } = this.deps;
    this.inFlight.add(id);
    try {
      const raw = await store.redis.hget(store.keys.deliveries, id);
      if (!raw) {
        await store.redis.zrem(store.keys.deliveryQueue, id);
        return;
      }
      const delivery = JSON.parse(raw) as Delivery;
      let error: string | undefined;
      try {
        const res = await fetch(delivery.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': delivery.id, 'user-agent': 'callboard-alerter', ...delivery.headers },
          body: delivery.body,
          signal: AbortSignal.timeout(this.deps.timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) error = `HTTP ${res.status}`;
      } catch (err) {
        error = (err as Error).name === 'TimeoutError' ? `timed out after ${this.deps.timeoutMs} ms` : (err as Error).message;
      }
      if (error === undefined) {
        await store.redis.multi().zrem(store.keys.deliveryQueue, id).hdel(store.keys.deliveries, id).exec();
        metrics.notificationsSent.inc({ route: delivery.route });
        return;
      }
      metrics.notificationsFailed.inc({ route: delivery.route });
      const nextAt = this.deps.now() + backoffDelay(delivery.attempts, this.deps.backoff);
      const attempts = await store.redis.cbDeliveryFailed(store.keys.deliveryQueue, store.keys.deliveries, id, nextAt, this.deps.maxAttempts, store.keys.dead, error);
      if (attempts < 0) {
        metrics.notificationsDead.inc({ route: delivery.route });
        this.deps.logger.error({ id, route: delivery.route, attempts: -attempts, error }, 'webhook delivery dead-lettered');
      } else {
        this.deps.logger.warn({ id, route: delivery.route, attempts, error, retryAt: new Date(nextAt).toISOString() }, 'webhook delivery failed; will retry');
      }
    } finally {
      this.inFlight.delete(id);
    }
  }
}
