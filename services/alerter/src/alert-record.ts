import type { Rule } from '@callboard/alerts';
import type { AlertChange } from './alert-store.js';

/** The cc.alerts.v1 record of one change (packages/events/schemas/alert.avsc). */
export function alertRecord(change: AlertChange, rule: Rule | undefined): Record<string, unknown> {
  const s = change.state;
  return {
    fingerprint: s.fingerprint,
    kind: change.kind,
    ruleId: s.ruleId,
    ruleName: rule?.name ?? s.ruleId,
    severity: rule?.severity ?? 'warning',
    tenantId: s.tenantId,
    queueId: s.queueId,
    metric: rule?.metric ?? 'unknown',
    window: rule?.window ?? null,
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
