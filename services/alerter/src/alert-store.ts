import { randomUUID } from 'node:crypto';
import type { Result } from 'ioredis';
import { acknowledge, type AlertState, type AlertWindow, type MetricName, type Notification, type REMINDER_METRIC, type Severity, type Silence, silenceSchema, unacknowledge } from '@callboard/alerts';
import { CallboardError } from '@callboard/errors';
import { loadScripts, type RedisClient } from '@callboard/runtime';
import { alerterKeys, type AlerterKeys } from './keys.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** commands/save-alerts-2.lua: the fingerprints not saved (revision conflicts). */
    cbSaveAlerts(alertsKey: string, tenantOutboxKey: string, ...args: string[]): Result<string[], Context>;
  }
}

/** Fire and clear thresholds resolved against the queue's SL target at the last evaluation. */
export interface Thresholds {
  fire: number;
  clear: number;
}

/**
 * What an alert's records say of its rule, saved with its state: REST and a gateway started after the
 * alert fired describe it (name, severity, the metric that gives its value a unit) without the rules
 * file or having seen a record. Optional because states saved before it existed lack it until their
 * rule is next evaluated.
 */
export interface RuleDescription {
  ruleName: string;
  severity: Severity;
  /** `complaint.reminder` for a complaint reminder. */
  metric: MetricName | typeof REMINDER_METRIC;
  /** Absent for a complaint reminder, which reads no window. */
  window?: AlertWindow;
}

/** The stored state of one alert: the state machine's fields and, when saved since, its rule's description. */
export type DescribedAlertState = AlertState & Partial<RuleDescription>;

/** One alert as listed (REST, CLI): its described state and the thresholds of its last evaluation. */
export type ListedAlert = DescribedAlertState & { fireThreshold?: number; clearThreshold?: number };

const DESCRIPTION_FIELDS = ['ruleName', 'severity', 'metric', 'window'] as const;

/** The description fields `state` carries, and only those. */
function descriptionOf(state: DescribedAlertState): Partial<RuleDescription> {
  return Object.fromEntries(DESCRIPTION_FIELDS.flatMap((field) => (state[field] === undefined ? [] : [[field, state[field]]]))) as Partial<RuleDescription>;
}

/** One alert as stored, with the revision it was read at. */
export interface StoredAlert {
  state: DescribedAlertState;
  rev: string;
  thresholds?: Thresholds;
}

/** What the dispatcher publishes for one saved change. */
export interface OutboxEntry {
  /** Set when saved: the dispatcher moves an entry from the tenant's outbox once by it (move-outbox-3.lua). */
  id?: string;
  /** The change, for cc.alerts.v1. */
  record: AlertChange;
  notifications: Notification[];
}

export interface AlertChange {
  kind: string;
  state: DescribedAlertState;
  previousState?: string;
  silencedBy?: string;
  /** Thresholds resolved against the queue's SL target when the change was made. */
  fireThreshold?: number;
  clearThreshold?: number;
  at: number;
}

export interface AuditEntry {
  at: number;
  by: string;
  action: 'ack' | 'unack' | 'silence' | 'unsilence';
  fingerprint?: string;
  silenceId?: string;
  reason?: string;
}

/**
 * Alert state in Redis (DESIGN §6 "Restarts"): every alert of a tenant in one hash, saved by
 * compare-and-set so several alerter instances never both fire one alert, with the outbox entry of
 * each change written in the same script call to the tenant's outbox, in the same slot (DESIGN §5). Acknowledgements and silences live here too, so the
 * CLI, the alerter and the gateway share them; each is audited.
 */
export class AlertStore {
  readonly keys: AlerterKeys;

  constructor(
    readonly redis: RedisClient,
    namespace = 'cb',
  ) {
    this.keys = alerterKeys(namespace);
    loadScripts(redis, new URL('./commands/', import.meta.url));
  }

  async load(tenantId: string, fingerprints: string[]): Promise<Map<string, StoredAlert>> {
    const out = new Map<string, StoredAlert>();
    if (fingerprints.length === 0) return out;
    const fields = fingerprints.flatMap((fp) => [fp, `rev:${fp}`, `thr:${fp}`]);
    const values = await this.redis.hmget(this.keys.alerts(tenantId), ...fields);
    fingerprints.forEach((fp, i) => {
      const [raw, rev, thr] = [values[3 * i], values[3 * i + 1], values[3 * i + 2]];
      if (raw) out.set(fp, { state: JSON.parse(raw) as DescribedAlertState, rev: rev ?? '0', ...(thr ? { thresholds: JSON.parse(thr) as Thresholds } : {}) });
    });
    return out;
  }

  /** Every alert of a tenant with its rule's description (when stored) and last thresholds. */
  async list(tenantId: string): Promise<ListedAlert[]> {
    const all = await this.redis.hgetall(this.keys.alerts(tenantId));
    return Object.entries(all)
      .filter(([field]) => !field.startsWith('rev:') && !field.startsWith('thr:'))
      .map(([fp, raw]): ListedAlert => {
        const thr = all[`thr:${fp}`];
        const thresholds = thr ? (JSON.parse(thr) as Thresholds) : undefined;
        return { ...(JSON.parse(raw) as DescribedAlertState), ...(thresholds ? { fireThreshold: thresholds.fire, clearThreshold: thresholds.clear } : {}) };
      })
      .sort((a, b) => (a.queueId === b.queueId ? a.ruleId.localeCompare(b.ruleId) : a.queueId.localeCompare(b.queueId)));
  }

  async tenants(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.tenants)).sort();
  }

  /**
   * Saves states read at the given revisions; returns the fingerprints that lost a race (someone
   * else saved first). Their outbox entries are not written. The tenant joins the tenant index
   * first, in its own call (another slot): a crash between leaves an indexed tenant with nothing to
   * send, never an entry no dispatcher looks for; an index write lost in a Cluster failover is
   * written again by the next save, and found by the dispatcher's sweep meanwhile (docs/alerts.md).
   */
  async save(tenantId: string, changes: { state: DescribedAlertState; rev: string; outbox?: OutboxEntry; thresholds?: Thresholds }[]): Promise<Set<string>> {
    if (changes.length === 0) return new Set();
    const args = changes.flatMap((c) => [c.state.fingerprint, c.rev, JSON.stringify(c.state), c.outbox ? JSON.stringify({ id: randomUUID(), ...c.outbox }) : '', c.thresholds ? JSON.stringify(c.thresholds) : '']);
    await this.redis.sadd(this.keys.tenants, tenantId);
    return new Set(await this.redis.cbSaveAlerts(this.keys.alerts(tenantId), this.keys.outbox(tenantId), ...args));
  }

  /**
   * Deletes alerts for good (state, revision, thresholds): resolved complaint reminders a day after
   * their complaint was answered or closed, which never fire again.
   */
  async forget(tenantId: string, fingerprints: readonly string[]): Promise<void> {
    if (fingerprints.length === 0) return;
    await this.redis.hdel(this.keys.alerts(tenantId), ...fingerprints.flatMap((fp) => [fp, `rev:${fp}`, `thr:${fp}`]));
  }

  private async audit(tenantId: string, entry: AuditEntry): Promise<void> {
    await this.redis.multi().lpush(this.keys.audit(tenantId), JSON.stringify(entry)).ltrim(this.keys.audit(tenantId), 0, 9999).exec();
  }

  async auditLog(tenantId: string, max = 100): Promise<AuditEntry[]> {
    return (await this.redis.lrange(this.keys.audit(tenantId), 0, max - 1)).map((r) => JSON.parse(r) as AuditEntry);
  }

  /** Applies `change` to one alert by compare-and-set, retrying when an evaluation saved in between. */
  private async update(tenantId: string, fingerprint: string, kind: 'ack' | 'unack', change: (a: AlertState) => AlertState, at: number): Promise<DescribedAlertState> {
    for (let attempt = 0; attempt < 10; attempt += 1) {
      const stored = (await this.load(tenantId, [fingerprint])).get(fingerprint);
      if (!stored) throw new CallboardError('CB_USAGE', `no alert ${fingerprint} for tenant ${tenantId}`);
      const state: DescribedAlertState = { ...change(stored.state), ...descriptionOf(stored.state) };
      const thresholds = stored.thresholds ? { fireThreshold: stored.thresholds.fire, clearThreshold: stored.thresholds.clear } : {};
      const conflicts = await this.save(tenantId, [{ state, rev: stored.rev, outbox: { record: { kind, state, previousState: stored.state.state, ...thresholds, at }, notifications: [] } }]);
      if (!conflicts.has(fingerprint)) return state;
    }
    throw new CallboardError('CB_REDIS_UNAVAILABLE', `alert ${fingerprint} kept changing; try again`, { retriable: true });
  }

  /** Acknowledges a firing alert (who and when); published on cc.alerts.v1 and audited. */
  async acknowledge(tenantId: string, fingerprint: string, by: string, at = Date.now()): Promise<DescribedAlertState> {
    const state = await this.update(tenantId, fingerprint, 'ack', (a) => acknowledge(a, by, at), at);
    await this.audit(tenantId, { at, by, action: 'ack', fingerprint });
    return state;
  }

  async unacknowledge(tenantId: string, fingerprint: string, by: string, at = Date.now()): Promise<DescribedAlertState> {
    const state = await this.update(tenantId, fingerprint, 'unack', (a) => unacknowledge(a), at);
    await this.audit(tenantId, { at, by, action: 'unack', fingerprint });
    return state;
  }

  async silences(tenantId: string): Promise<Silence[]> {
    const all = await this.redis.hgetall(this.keys.silences(tenantId));
    return Object.values(all).map((raw) => silenceSchema.parse(JSON.parse(raw)));
  }

  /** Adds a silence (scope, reason, expiry). Alerts it matches stay visible; their notifications wait. */
  async silence(tenantId: string, input: { queue?: string; ruleId?: string; reason: string; createdBy: string; durationMs: number }, at = Date.now()): Promise<Silence> {
    const silence = silenceSchema.parse({
      id: randomUUID(),
      tenant: tenantId,
      queue: input.queue ?? '*',
      ...(input.ruleId ? { ruleId: input.ruleId } : {}),
      reason: input.reason,
      createdBy: input.createdBy,
      createdAt: at,
      expiresAt: at + input.durationMs,
    });
    await this.redis.hset(this.keys.silences(tenantId), silence.id, JSON.stringify(silence));
    await this.audit(tenantId, { at, by: input.createdBy, action: 'silence', silenceId: silence.id, reason: input.reason });
    return silence;
  }

  async unsilence(tenantId: string, silenceId: string, by: string, at = Date.now()): Promise<void> {
    const removed = await this.redis.hdel(this.keys.silences(tenantId), silenceId);
    if (removed === 0) throw new CallboardError('CB_USAGE', `no silence ${silenceId} for tenant ${tenantId}`);
    await this.audit(tenantId, { at, by, action: 'unsilence', silenceId });
  }
}
