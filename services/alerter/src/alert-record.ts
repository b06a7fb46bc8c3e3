import type { Rule } from '@callboard/alerts';
import type { AlertChange, RuleDescription } from './alert-store.js';

/** What a rule's alert records say of it, as saved with each evaluated state. */
export function describeRule(rule: Rule): RuleDescription {
  return { ruleName: rule.name, severity: rule.severity, metric: rule.metric, window: rule.window };
}

/**
 * The cc.alerts.v1 record of one change (packages/events/schemas/alert.avsc). The rule as the rules
 * file has it now wins; a rule no longer there is described as its state was saved.
 */
export function alertRecord(change: AlertChange, rule: Rule | undefined): Record<string, unknown> {
  const s = change.state;
  return {
    fingerprint: s.fingerprint,
    kind: change.kind,
    ruleId: s.ruleId,
    ruleName: rule?.name ?? s.ruleName ?? s.ruleId,
    severity: rule?.severity ?? s.severity ?? 'warning',
    tenantId: s.tenantId,
    queueId: s.queueId,
    metric: rule?.metric ?? s.metric ?? 'unknown',
    window: rule?.window ?? s.window ?? null,
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
    labels: rule?.labels ?? {},
    at: change.at,
  };
}
