import type { Producer } from 'kafkajs';
import { type Batch, isActive, type Notification, NotificationGrouper, type RulesFile } from '@callboard/alerts';
import type { EventCodec } from '@callboard/events';
import { type Logger, scanKeys, sendByPartition, unavailable } from '@callboard/runtime';
import { alertRecord } from './alert-record.js';
import type { AlertStore, OutboxEntry } from './alert-store.js';
import type { Delivery, NotifyStore } from './notify-store.js';

export interface DispatcherDeps {
  store: AlertStore;
  notify: NotifyStore;
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

/** How often the dispatcher sweeps for tenant outboxes the tenant index lost (a Cluster failover). */
const OUTBOX_SWEEP_MS = 60_000;

/**
 * Drains the alert outboxes: each tenant's entries are first moved to the dispatcher's outbox in
 * the {notify} slot (once each, by id: the two outboxes are in different slots, DESIGN §5), then
 * every change goes to cc.alerts.v1, every notification through the
 * grouper (group wait, group interval, repeat interval), and each due batch becomes a delivery.
 * Grouper state, the removal of the entries read and the new deliveries are written by one script
 * call, fenced by the dispatch lease's token: a pass whose lease ran out (another instance took
 * over) writes nothing, and the new holder replays the same entries into the grouper state it finds,
 * yielding the same deliveries, by id. Entries are removed by identity, so one appended during the
 * pass is never lost (issue 8 item 11).
 */
export class Dispatcher {
  private lastSweep = -Infinity;

  constructor(private readonly deps: DispatcherDeps) {}

  /**
   * Moves what the tenants' outboxes hold to the dispatcher's outbox under `token`. Tenants come from
   * the tenant index, which each save writes first; every {@link OUTBOX_SWEEP_MS} (and on the first
   * pass) a SCAN over every master adds any tenant whose outbox the index lost. Returns false when
   * the token went stale.
   */
  async collect(token: number, max = 200): Promise<boolean> {
    const { store, notify } = this.deps;
    const now = this.deps.now();
    if (now - this.lastSweep >= OUTBOX_SWEEP_MS) {
      for await (const keys of scanKeys(store.redis, store.keys.outboxPattern, 1000)) {
        const found = keys.map((k) => store.keys.outboxTenant(k)).filter((t): t is string => t !== undefined);
        if (found.length > 0) await store.redis.sadd(store.keys.tenants, ...found);
      }
      this.lastSweep = now;
    }
    const tenants = await store.tenants();
    const read = await Promise.all(tenants.map(async (tenantId) => ({ tenantId, entries: await notify.readTenantOutbox(tenantId, max) })));
    for (const { tenantId, entries } of read) {
      if (entries.length === 0) continue;
      if (!(await notify.moveToDispatch(token, entries, now))) return false;
      await notify.removeFromTenantOutbox(tenantId, entries);
    }
    return true;
  }

  private async loadGrouper(): Promise<NotificationGrouper> {
    const raw = await this.deps.store.redis.get(this.deps.store.keys.grouper);
    const config = this.deps.rules().groups;
    return raw ? NotificationGrouper.fromJSON({ ...JSON.parse(raw), config }) : new NotificationGrouper(config);
  }

  /**
   * One pass under the fencing token `token`; returns how many outbox entries it handled, 0 when it
   * was fenced out.
   */
  async runOnce(token: number, max = 200): Promise<number> {
    const { producer, codec } = this.deps;
    let moved: boolean;
    try {
      moved = await this.collect(token, max);
    } catch (err) {
      throw unavailable('CB_REDIS_UNAVAILABLE', err, 'moving the tenants’ outbox entries');
    }
    if (!moved) {
      this.deps.logger.info({ token }, 'dispatch lease lost while moving outbox entries; the new holder moves them');
      return 0;
    }
    const raw = await this.deps.notify.readOutbox(max);
    const entries = raw.map((r) => JSON.parse(r) as OutboxEntry);
    const now = this.deps.now();
    const file = this.deps.rules();
    const rules = new Map<string, RulesFile['rules'][number] | RulesFile['reminders'][number]>([...file.rules, ...file.reminders].map((r) => [r.id, r]));
    if (entries.length > 0) {
      const messages = await Promise.all(
        entries.map(async (e) => ({ key: e.record.state.fingerprint, value: await codec.encode(codec.topology.alerts.name, alertRecord(e.record, rules.get(e.record.state.ruleId))) })),
      );
      try {
        await sendByPartition(producer, codec.topology, codec.topology.alerts.name, messages);
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
    // The route is named, never copied: its URL and headers (credentials) are looked up at send time.
    const deliveries: Delivery[] = batches.map((batch) => ({ id: batch.idempotencyKey, route: batch.route, body: JSON.stringify(webhookPayload(batch)), attempts: 0, createdAt: now }));
    let committed: boolean;
    try {
      committed = await this.deps.notify.commitDispatch(token, { grouper: JSON.stringify(grouper.toJSON()), entries: raw, deliveries, now });
    } catch (err) {
      throw unavailable('CB_REDIS_UNAVAILABLE', err, 'saving the dispatch');
    }
    if (!committed) {
      this.deps.logger.info({ token, entries: entries.length }, 'dispatch lease lost during the pass; the new holder replays it');
      return 0;
    }
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
