import type { RulesFile } from '@callboard/alerts';
import { backoffDelay } from '@callboard/errors';
import type { Logger } from '@callboard/runtime';
import type { AlerterMetrics } from './metrics.js';
import type { ClaimedDelivery, FailureMode, NotifyStore } from './notify-store.js';

/**
 * How long a claim outlives the webhook time-out: the sender's own time-out ends the POST first, and
 * this leaves it time to record the outcome. Only a sender frozen or cut off for longer loses its
 * claim, and then the delivery is re-sent with the same Idempotency-Key (at least once).
 */
const CLAIM_MARGIN_MS = 10_000;

export interface DeliveryWorkerDeps {
  notify: NotifyStore;
  /** The rules as loaded now: a delivery's route URL and headers are read from here when it is sent. */
  rules: () => RulesFile;
  logger: Logger;
  metrics: AlerterMetrics;
  now: () => number;
  timeoutMs: number;
  maxAttempts: number;
  backoff: { initialDelayMs: number; maxDelayMs: number };
}

/**
 * Sends due webhook deliveries with an `Idempotency-Key` header. Each delivery is claimed in Redis
 * before it is sent (issue 8 item 11), so no other instance sends it while this one does, and sends
 * run in the background, so a slow webhook neither delays an alert's state nor stops this instance
 * renewing its lease. A failure (non-2xx, timeout, refused) is retried with exponential backoff and
 * jitter; after the last attempt the delivery goes to the dead-letter list, and so does a delivery
 * whose route the rules no longer define. Route headers are sent, never stored or logged.
 */
export class DeliveryWorker {
  private readonly sending = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private closed = false;

  constructor(private readonly deps: DeliveryWorkerDeps) {}

  /**
   * Claims due deliveries under the fencing token `token` and starts sending them; returns how many
   * it claimed. At most `max` are in flight at once.
   */
  async runOnce(token: number, max = 20): Promise<number> {
    const room = max - this.sending.size;
    this.deps.metrics.notificationsPending.set(await this.deps.notify.pending());
    if (this.closed || room <= 0) return 0;
    const now = this.deps.now();
    const claimed = await this.deps.notify.claim(token, now, now + this.deps.timeoutMs + CLAIM_MARGIN_MS, room);
    for (const c of claimed) {
      const abort = new AbortController();
      const done = this.deliver(c, abort.signal).finally(() => this.sending.delete(c.delivery.id));
      this.sending.set(c.delivery.id, { abort, done });
    }
    return claimed.length;
  }

  /** Waits for the sends in flight to finish. */
  async drain(): Promise<void> {
    await Promise.all([...this.sending.values()].map((s) => s.done));
  }

  /** Stops claiming; sends in flight are aborted and handed back uncounted, to be sent again. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.sending.values()) s.abort.abort();
    await this.drain();
  }

  private async deliver({ delivery, claim }: ClaimedDelivery, closing: AbortSignal): Promise<void> {
    const { notify, metrics, logger } = this.deps;
    const { id } = delivery;
    try {
      const route = this.deps.rules().routes[delivery.route];
      if (!route) {
        await this.fail({ delivery, claim }, 'dead', `route ${JSON.stringify(delivery.route)} is no longer defined in the rules`);
        return;
      }
      let error: string | undefined;
      try {
        const res = await fetch(route.url, {
          method: 'POST',
          headers: { ...route.headers, 'content-type': 'application/json', 'idempotency-key': id, 'user-agent': 'callboard-alerter' },
          body: delivery.body,
          signal: AbortSignal.any([AbortSignal.timeout(this.deps.timeoutMs), closing]),
        });
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) error = `HTTP ${res.status}`;
      } catch (err) {
        if (closing.aborted) {
          await this.fail({ delivery, claim }, 'release', 'the alerter closed during the attempt');
          return;
        }
        error = (err as Error).name === 'TimeoutError' ? `timed out after ${this.deps.timeoutMs} ms` : (err as Error).message;
      }
      if (error === undefined) {
        if (await notify.sent(id, claim)) metrics.notificationsSent.inc({ route: delivery.route });
        else logger.warn({ id, route: delivery.route }, 'webhook delivery sent after its claim expired; another instance re-sent it with the same Idempotency-Key');
        return;
      }
      metrics.notificationsFailed.inc({ route: delivery.route });
      await this.fail({ delivery, claim }, 'retry', error);
    } catch (err) {
      // Redis went away while recording the outcome: the claim expires and the delivery is sent again.
      logger.warn({ err, id, route: delivery.route }, 'could not record a webhook delivery outcome; it will be retried');
    }
  }

  private async fail({ delivery, claim }: ClaimedDelivery, mode: FailureMode, error: string): Promise<void> {
    const { notify, metrics, logger } = this.deps;
    const nextAt = this.deps.now() + (mode === 'release' ? 0 : backoffDelay(delivery.attempts, this.deps.backoff));
    const attempts = await notify.failed(delivery.id, claim, { mode, nextAt, maxAttempts: this.deps.maxAttempts, error });
    const fields = { id: delivery.id, route: delivery.route, error };
    if (mode === 'release') return;
    if (attempts === 0) logger.warn(fields, 'webhook delivery failed after its claim expired; another instance has it');
    else if (attempts < 0) {
      metrics.notificationsDead.inc({ route: delivery.route });
      logger.error({ ...fields, attempts: -attempts }, 'webhook delivery dead-lettered');
    } else logger.warn({ ...fields, attempts, retryAt: new Date(nextAt).toISOString() }, 'webhook delivery failed; will retry');
  }
}
