import {
  decideReminderNotifications,
  fireReminder,
  globMatch,
  isOpenReminder,
  isReminderState,
  maxLeadMs,
  type ReminderAlertState,
  type ReminderComplaint,
  type ReminderRule,
  reminderAppliesTo,
  reminderFingerprint,
  reminderStep,
  resolveReminder,
  type RulesFile,
  type Silence,
} from '@callboard/alerts';
import type { Logger } from '@callboard/runtime';
import { describeRule } from './alert-record.js';
import type { AlertStore, DescribedAlertState, OutboxEntry } from './alert-store.js';
import type { AlerterMetrics } from './metrics.js';

/**
 * What the reminders read of the live store: `WindowStore`'s complaint reads (decision 0010 §4,
 * packages/windows). Any object with these two methods will do.
 */
export interface ComplaintSource {
  /** Tenants with queue or complaint writes since `sinceMs`. */
  activeTenants(sinceMs: number): Promise<string[]>;
  /** The tenant's open, unanswered complaints with `dueAt <= untilMs`, earliest due first. */
  dueComplaints(tenantId: string, untilMs: number, limit?: number): Promise<ReminderComplaint[]>;
}

/** The store as a {@link ComplaintSource} when it has the complaint reads, else undefined (a store from before them). */
export function asComplaintSource(store: object): ComplaintSource | undefined {
  const s = store as Partial<ComplaintSource>;
  return typeof s.activeTenants === 'function' && typeof s.dueComplaints === 'function' ? (store as ComplaintSource) : undefined;
}

/** How far back a tenant's last write may lie for its complaints to be looked at: complaints are kept 8 days after their last event. */
export const COMPLAINT_LOOKBACK_MS = 8 * 86_400_000;

/** The most due complaints read per tenant and tick. */
export const DUE_LIMIT = 1_000;

/** Resolved reminders are forgotten this long after resolving: their complaint has left the due set for good. */
export const RESOLVED_REMINDER_TTL_MS = 86_400_000;

export interface ReminderEvaluatorDeps {
  store: AlertStore;
  complaints: ComplaintSource;
  rules: () => RulesFile;
  logger: Logger;
  metrics: AlerterMetrics;
  now: () => number;
}

/**
 * Complaint reminders (issue 11 item 4, docs/alerts.md "Complaint reminders"). Every tick, for each
 * tenant that a reminder rule covers and that has complaint state (or open reminders), it reads the
 * open, unanswered complaints due within the longest lead time and:
 * - fires the most advanced step each complaint has reached, once: a reminder's fingerprint is its
 *   rule, tenant, complaint and step, and one stored in any state is never fired again, so an
 *   alerter restart sends nothing twice, and one that was down across several steps sends only the
 *   latest (after the deadline: one `due`, not every lead time it missed);
 * - resolves the open reminders of complaints no longer due (answered or closed): leads see them
 *   clear, and the complaint gets no further step;
 * - sends a fire held by a silence once the silence is over, like any alert.
 * Saves are compare-and-set on the alert's revision, like the evaluator's, so instances ticking
 * together fire a reminder once.
 */
export class ReminderEvaluator {
  constructor(private readonly deps: ReminderEvaluatorDeps) {}

  async tick(): Promise<void> {
    const reminders = this.deps.rules().reminders;
    if (reminders.length === 0) return;
    const now = this.deps.now();
    const [active, withAlerts] = await Promise.all([this.deps.complaints.activeTenants(now - COMPLAINT_LOOKBACK_MS), this.deps.store.tenants()]);
    const tenants = new Set([...active, ...withAlerts]);
    for (const tenantId of tenants) {
      const rules = reminders.filter((r) => globMatch(r.scope.tenant, tenantId));
      if (rules.length > 0) await this.tenant(tenantId, rules, now);
    }
  }

  private async tenant(tenantId: string, rules: readonly ReminderRule[], now: number): Promise<void> {
    const lead = rules.reduce((max, r) => Math.max(max, maxLeadMs(r)), 0);
    const [due, listed, silences] = await Promise.all([this.deps.complaints.dueComplaints(tenantId, now + lead, DUE_LIMIT), this.deps.store.list(tenantId), this.deps.store.silences(tenantId)]);
    const known = new Set(listed.map((a) => a.fingerprint));
    const byId = new Map(rules.map((r) => [r.id, r]));
    const pending: Pending[] = [];

    const stillDue = new Set<string>();
    for (const complaint of due) {
      stillDue.add(complaint.complaintId);
      for (const rule of rules) {
        if (!reminderAppliesTo(rule, complaint)) continue;
        const step = reminderStep(rule, complaint, now);
        if (!step || known.has(reminderFingerprint(rule.id, tenantId, complaint.complaintId, step.name))) continue;
        pending.push(this.pending(fireReminder(rule, complaint, step, now), rule, undefined, 'fire', silences, now));
      }
    }
    // A truncated read saw only the earliest due: a reminder of a complaint due later may still be due.
    const seenUntil = due.length >= DUE_LIMIT ? due[due.length - 1]!.dueAt : Number.POSITIVE_INFINITY;
    const forget: string[] = [];
    for (const listedAlert of listed) {
      // Thresholds are listed beside the state, not part of it.
      const alert: DescribedAlertState = { ...listedAlert };
      delete (alert as { fireThreshold?: number }).fireThreshold;
      delete (alert as { clearThreshold?: number }).clearThreshold;
      if (!isReminderState(alert)) continue;
      const rule = byId.get(alert.ruleId);
      if (isOpenReminder(alert)) {
        if (!rule) continue; // its rule left the file (or no longer covers the tenant): left as it is, like a metric rule's alert
        if (!stillDue.has(alert.reminder.complaintId) && alert.reminder.dueAt < seenUntil) {
          pending.push(this.pending(resolveReminder(alert, now), rule, alert, 'resolve', silences, now));
        } else if (alert.notifiedEpisode !== alert.episode) {
          // A fire held by a silence: sent once the silence is over.
          const held = this.pending(alert, rule, alert, 'fire', silences, now);
          if (held.outbox.notifications.length > 0) pending.push(held);
        }
      } else if (alert.state === 'resolved' && (alert.resolvedAt ?? now) <= now - RESOLVED_REMINDER_TTL_MS) {
        forget.push(alert.fingerprint);
      }
    }
    if (pending.length > 0) await this.save(tenantId, pending, byId);
    if (forget.length > 0) await this.deps.store.forget(tenantId, forget);
  }

  /** The state to save for a reminder and what to publish and notify. */
  private pending(state: ReminderAlertState, rule: ReminderRule, previous: ReminderAlertState | undefined, kind: 'fire' | 'resolve', silences: readonly Silence[], now: number): Pending {
    const decided = decideReminderNotifications(state, rule, silences, now);
    const saved: DescribedAlertState = { ...decided.state, ...describeRule(rule) };
    return {
      state: saved,
      existing: previous !== undefined,
      outbox: {
        record: { kind, state: saved, ...(previous ? { previousState: previous.state } : {}), ...(decided.silencedBy ? { silencedBy: decided.silencedBy } : {}), at: now },
        notifications: decided.notifications,
      },
    };
  }

  /** Saves by compare-and-set: a new reminder only if none is stored, a stored one at the revision read now. */
  private async save(tenantId: string, pending: readonly Pending[], rules: ReadonlyMap<string, ReminderRule>): Promise<void> {
    const stored = await this.deps.store.load(
      tenantId,
      pending.filter((p) => p.existing).map((p) => p.state.fingerprint),
    );
    const changes = pending.map((p) => ({ state: p.state, rev: p.existing ? (stored.get(p.state.fingerprint)?.rev ?? '0') : '0', outbox: p.outbox }));
    const conflicts = await this.deps.store.save(tenantId, changes);
    this.deps.metrics.conflicts.inc(conflicts.size);
    for (const p of pending) {
      if (conflicts.has(p.state.fingerprint)) continue;
      this.deps.metrics.transitions.inc({ kind: p.outbox.record.kind, severity: rules.get(p.state.ruleId)?.severity ?? 'warning' });
      // Ids and the complaint's facts only: never caller data.
      const facts = (p.state as ReminderAlertState).reminder;
      this.deps.logger.info({ fingerprint: p.state.fingerprint, ruleId: p.state.ruleId, tenantId, queueId: p.state.queueId, complaintId: facts.complaintId, step: facts.step, kind: p.outbox.record.kind }, 'complaint reminder');
    }
  }
}

/** A reminder change waiting to be saved. */
interface Pending {
  state: DescribedAlertState;
  /** Whether it is stored already (saved at its current revision) or new (saved only if still absent). */
  existing: boolean;
  outbox: OutboxEntry;
}
