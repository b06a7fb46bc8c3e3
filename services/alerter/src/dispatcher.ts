import type { Producer } from 'kafkajs';
import { type Batch, isActive, type Notification, NotificationGrouper, type RulesFile } from '@callboard/alerts';
import type { EventCodec } from '@callboard/events';
import { type Logger, unavailable } from '@callboard/runtime';
import { alertRecord } from './alert-record.js';
import type { AlertStore, OutboxEntry } from './alert-store.js';

/** A webhook call waiting in Redis; its id is the batch's idempotency key. */
export interface Delivery {
  id: string;
  route: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  attempts: number;
  createdAt: number;
}

export interface DispatcherDeps {
  store: AlertStore;
  producer: Producer;
  codec: EventCodec;
  rules: () => RulesFile;
  logger: Logger;
  now: () => number;
}

/** The JSON a webhook receives (docs/alerts.md). */
export function webhookPayload(batch: Batch): Record<string, unknown> {
  return { version: 1, idempotencyKey: batch.idempotencyKey, route: batch.route, groupKey: batch.groupKey, repeat: batch.repeat, at: new Date(batch.at).toISOString(), alerts: batch.notifications };
}

/**
 * Drains the alert outbox: every change goes to cc.alerts.v1, every notification through the
 * grouper (group wait, group interval, repeat interval), and each due batch becomes a delivery.
 * Grouper state, the outbox trim and the new deliveries are written in one MULTI, so a crash
 * replays the same entries into the same grouper state and yields the same deliveries, by id.
 */
export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  private async loadGrouper(): Promise<NotificationGrouper> {
    const raw = await this.deps.store.redis.get(this.deps.store.keys.grouper);
    const config = this.deps.rules().groups;
    return raw ? NotificationGrouper.fromJSON({ ...JSON.parse(raw), config }) : new NotificationGrouper(config);
  }

  /** One pass; returns how many outbox entries it handled. */
  async runOnce(max = 200): Promise<number> {
    const { store, producer, codec } = this.deps;
    const keys = store.keys;
    const raw = await store.redis.lrange(keys.outbox, 0, max - 1);
    const entries = raw.map((r) => JSON.parse(r) as OutboxEntry);
    const now = this.deps.now();
    const rules = new Map(this.deps.rules().rules.map((r) => [r.id, r]));
    if (entries.length > 0) {
      const messages = await Promise.all(
        entries.map(async (e) => ({ key: e.record.state.fingerprint, value: await codec.encode(codec.topology.alerts.name, alertRecord(e.record, rules.get(e.record.state.ruleId))) })),
      );
      try {
        await producer.send({ topic: codec.topology.alerts.name, acks: -1, messages });
      } catch (err) {
        throw unavailable('CB_KAFKA_UNAVAILABLE', err, `publishing to ${codec.topology.alerts.name}`);
      }
    }
    const grouper = await this.loadGrouper();
    for (const e of entries) for (const n of e.notifications) grouper.add(n, now);
    const due = grouper.nextDueAt();
    let batches: Batch[] = [];
    if (due !== undefined && due <= now) {
      const active = await this.activeFingerprints();
      batches = grouper.due(now, (n: Notification) => active.has(n.fingerprint));
    }
    const routes = this.deps.rules().routes;
    const tx = store.redis.multi().set(keys.grouper, JSON.stringify(grouper.toJSON()));
    if (entries.length > 0) tx.ltrim(keys.outbox, entries.length, -1);
    for (const batch of batches) {
      const route = routes[batch.route];
      if (!route) {
        this.deps.logger.error({ route: batch.route, groupKey: batch.groupKey }, 'notification for a route the rules no longer define; dropped');
        continue;
      }
      const delivery: Delivery = {
        id: batch.idempotencyKey,
        route: batch.route,
        url: route.url,
        headers: route.headers ?? {},
        body: JSON.stringify(webhookPayload(batch)),
        attempts: 0,
        createdAt: now,
      };
      tx.hsetnx(keys.deliveries, delivery.id, JSON.stringify(delivery));
      tx.zadd(keys.deliveryQueue, 'NX', now, delivery.id);
    }
    const result = await tx.exec();
    for (const [err] of result ?? []) if (err) throw unavailable('CB_REDIS_UNAVAILABLE', err, 'saving the dispatch');
    return entries.length;
  }

  /** Alerts still firing, unacknowledged, for the repeat interval. */
  private async activeFingerprints(): Promise<Set<string>> {
    const active = new Set<string>();
    for (const tenantId of await this.deps.store.tenants()) {
      for (const alert of await this.deps.store.list(tenantId)) if (isActive(alert) && !alert.ack) active.add(alert.fingerprint);
    }
    return active;
  }
}
