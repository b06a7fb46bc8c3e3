import { isReminderState, REMINDER_METRIC, type ReminderRule, type Rule } from '@callboard/alerts';
import type { AlertChange, RuleDescription } from './alert-store.js';

/** What a rule's alert records say of it, as saved with each evaluated state. */
export function describeRule(rule: Rule | ReminderRule): RuleDescription {
  if ('kind' in rule) return { ruleName: rule.name, severity: rule.severity, metric: REMINDER_METRIC };
  return { ruleName: rule.name, severity: rule.severity, metric: rule.metric, window: rule.window };
}

/** A reminder's complaint facts as record labels (the same as its notifications'). */
function reminderLabels(change: AlertChange): Record<string, string> {
  const s = change.state;
  if (!isReminderState(s)) return {};
  const f = s.reminder;
  return { complaintId: f.complaintId, step: f.step, category: f.category, channel: f.channel, complaintSeverity: f.complaintSeverity, dueAt: new Date(f.dueAt).toISOString(), ...(f.queueId === null ? {} : { queueId: f.queueId }) };
}

/**
 * The cc.alerts.v1 record of one change (packages/events/schemas/alert.avsc). The rule as the rules
 * file has it now wins; a rule no longer there is described as its state was saved.
 */
export function alertRecord(change: AlertChange, rule: Rule | ReminderRule | undefined): Record<string, unknown> {
  const s = change.state;
  const described = rule ? describeRule(rule) : undefined;
  return {
    fingerprint: s.fingerprint,
    kind: change.kind,
    ruleId: s.ruleId,
    ruleName: rule?.name ?? s.ruleName ?? s.ruleId,
    severity: rule?.severity ?? s.severity ?? 'warning',
    tenantId: s.tenantId,
    queueId: s.queueId,
    metric: described?.metric ?? s.metric ?? 'unknown',
    window: described ? (described.window ?? null) : (s.window ?? null),
    state: s.state,
    previousState: change.previousState ?? null,
    value: s.value,
    fireThreshold: change.fireThreshold ?? null,
    clearThreshold: change.clearThreshold ?? null,
    since: s.since,
    firedAt: s.firedAt ?? null,
    resolvedAt: s.resolvedAt ?? null,
    episode: s.episode,
    ackBy: s.ack?.by ?? null,
    ackAt: s.ack?.at ?? null,
    silencedBy: change.silencedBy ?? null,
    labels: { ...(rule?.labels ?? {}), ...reminderLabels(change) },
    at: change.at,
  };
}
