import { createHash } from 'node:crypto';
import { CallboardError } from '@callboard/errors';
import { DEFAULT_GROUPING, type GroupByField, type GroupingConfig } from './grouping-config.js';
import type { Notification } from './notification.js';

/**
 * The key notifications are batched by: the `groupBy` fields' values, by default tenant, rule and
 * kind, so one rule breaching on 30 queues of a tenant is one message.
 */
export function groupKey(notification: Notification, groupBy: readonly GroupByField[] = DEFAULT_GROUPING.groupBy): string {
  return groupBy.map((field) => `${field}=${notification[field]}`).join('|');
}

/** What to send to one route in one request. */
export interface Batch {
  route: string;
  groupKey: string;
  /** Sorted by fingerprint, then kind, so the payload is the same on every retry. */
  notifications: Notification[];
  /**
   * Hash of route, group key and the sorted (fingerprint, kind, episode, episode start) entries, plus for a repeat
   * the time of the send it repeats. Derived from content only, so a retried or re-derived send
   * carries the same key and the receiver can drop the duplicate.
   */
  idempotencyKey: string;
  /** True when nothing changed and the batch re-sends alerts still firing (`repeatIntervalMs`). */
  repeat: boolean;
  /** When the batch became due (ms). */
  at: number;
}

interface GroupState {
  route: string;
  key: string;
  /** Not yet sent. */
  pending: Notification[];
  /** When `pending` last went from empty to non-empty: the group wait counts from there. */
  pendingSince?: number;
  /** The last `fire` sent per fingerprint, while its episode lasts: what repeats re-send. */
  firing: Notification[];
  /** The last send of this group (ms), first or repeat. */
  lastSentAt?: number;
}

/** The grouper's state as plain JSON, for the service to persist between ticks and restarts. */
export interface GrouperSnapshot {
  version: 1;
  config: GroupingConfig;
  groups: GroupState[];
}

function entryId(n: Notification): string {
  return `${n.fingerprint}:${n.kind}:${n.episode}:${n.episodeStartedAt ?? ''}`;
}

function byEntry(a: Notification, b: Notification): number {
  return a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.episode - b.episode;
}

/** The idempotency key of a batch; see {@link Batch.idempotencyKey}. */
export function batchIdempotencyKey(route: string, key: string, notifications: readonly Notification[], repeatOf?: number): string {
  const entries = notifications.map(entryId).sort();
  const material = JSON.stringify([route, key, entries, repeatOf ?? null]);
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}

/**
 * Batches notifications the way Alertmanager does, to stop storms (issue #4): a new group waits
 * `groupWaitMs` for company before its first send, sends what arrived since at most every
 * `groupIntervalMs`, and re-sends the alerts still firing every `repeatIntervalMs`. Notifications
 * fan out per route, so a batch never carries a rule's alert to a route the rule did not name.
 *
 * Pure and clock-free: time comes in through `add` and `due`, and the whole state round-trips through
 * {@link NotificationGrouper.toJSON} / {@link NotificationGrouper.fromJSON}. The service should call `due` on
 * a copy, send, and persist the copy only once the sends succeeded; a re-derived batch carries the same
 * idempotency key.
 */
export class NotificationGrouper {
  private readonly config: GroupingConfig;
  private readonly groups = new Map<string, GroupState>();

  constructor(config: Partial<GroupingConfig> = {}) {
    this.config = { ...DEFAULT_GROUPING, ...config, groupBy: [...(config.groupBy ?? DEFAULT_GROUPING.groupBy)] };
  }

  /**
   * Queues a notification. A notification with no routes is dropped: the alert is visible on the
   * wallboard but was configured to page nobody. A `resolve` also stops the repeats of that alert's fire.
   */
  add(notification: Notification, at: number): void {
    const key = groupKey(notification, this.config.groupBy);
    for (const route of new Set(notification.routes)) {
      if (notification.kind === 'resolve') this.stopRepeating(notification.fingerprint, route);
      const id = JSON.stringify([route, key]);
      let group = this.groups.get(id);
      if (!group) {
        group = { route, key, pending: [], firing: [] };
        this.groups.set(id, group);
      }
      // The same (fingerprint, kind, episode) twice is one event decided twice, e.g. around a restart.
      if (group.pending.some((p) => entryId(p) === entryId(notification))) continue;
      if (group.pending.length === 0) group.pendingSince = at;
      group.pending.push(notification);
    }
  }

  /** Stops re-sending an alert's fire, e.g. once acknowledged or silenced; on one route or all. */
  stopRepeating(fingerprint: string, route?: string): void {
    for (const group of this.groups.values()) {
      if (route === undefined || group.route === route) group.firing = group.firing.filter((n) => n.fingerprint !== fingerprint);
    }
  }

  private pendingDueAt(group: GroupState): number | undefined {
    if (group.pending.length === 0) return undefined;
    const waited = (group.pendingSince ?? 0) + this.config.groupWaitMs;
    return group.lastSentAt === undefined ? waited : Math.max(waited, group.lastSentAt + this.config.groupIntervalMs);
  }

  private repeatDueAt(group: GroupState): number | undefined {
    if (group.pending.length > 0 || group.firing.length === 0 || group.lastSentAt === undefined) return undefined;
    return group.lastSentAt + this.config.repeatIntervalMs;
  }

  /**
   * The batches due at `at`, in a stable order; the grouper considers them sent.
   *
   * @param at - now (ms)
   * @param stillFiring - asked before a repeat re-sends an alert; answer false for alerts that were
   *   acknowledged, silenced or forgotten since, and they stop repeating
   */
  due(at: number, stillFiring: (notification: Notification) => boolean = () => true): Batch[] {
    const batches: Batch[] = [];
    for (const [id, group] of [...this.groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const pendingAt = this.pendingDueAt(group);
      if (pendingAt !== undefined && at >= pendingAt) {
        const notifications = [...group.pending].sort(byEntry);
        batches.push({ route: group.route, groupKey: group.key, notifications, idempotencyKey: batchIdempotencyKey(group.route, group.key, notifications), repeat: false, at });
        for (const n of notifications) {
          if (n.kind === 'fire') group.firing = [...group.firing.filter((f) => f.fingerprint !== n.fingerprint), n];
        }
        group.pending = [];
        delete group.pendingSince;
        group.lastSentAt = at;
        continue;
      }
      const repeatAt = this.repeatDueAt(group);
      if (repeatAt !== undefined && at >= repeatAt && group.lastSentAt !== undefined) {
        group.firing = group.firing.filter(stillFiring);
        if (group.firing.length > 0) {
          const notifications = [...group.firing].sort(byEntry);
          batches.push({ route: group.route, groupKey: group.key, notifications, idempotencyKey: batchIdempotencyKey(group.route, group.key, notifications, group.lastSentAt), repeat: true, at });
          group.lastSentAt = at;
          continue;
        }
      }
      // An idle group is kept for one group interval so a burst right after a send still waits its turn.
      if (group.pending.length === 0 && group.firing.length === 0 && (group.lastSentAt === undefined || at >= group.lastSentAt + this.config.groupIntervalMs)) {
        this.groups.delete(id);
      }
    }
    return batches;
  }

  /** When `due` will next return something (ms), or `undefined` when nothing is queued or firing. */
  nextDueAt(): number | undefined {
    let next: number | undefined;
    for (const group of this.groups.values()) {
      for (const t of [this.pendingDueAt(group), this.repeatDueAt(group)]) {
        if (t !== undefined && (next === undefined || t < next)) next = t;
      }
    }
    return next;
  }

  /** The state as plain JSON. */
  toJSON(): GrouperSnapshot {
    return structuredClone({ version: 1, config: this.config, groups: [...this.groups.values()] });
  }

  /**
   * Rebuilds a grouper from {@link NotificationGrouper.toJSON}'s output.
   *
   * @throws CallboardError `CB_INPUT_INVALID` for a snapshot of another version
   */
  static fromJSON(snapshot: GrouperSnapshot): NotificationGrouper {
    if (snapshot.version !== 1) throw new CallboardError('CB_INPUT_INVALID', `notification grouper snapshot version ${String(snapshot.version)} is not 1`);
    const grouper = new NotificationGrouper(snapshot.config);
    for (const group of structuredClone(snapshot.groups)) grouper.groups.set(JSON.stringify([group.route, group.key]), group);
    return grouper;
  }
}
