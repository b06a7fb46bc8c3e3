import type { Rule } from './rule.js';
import { type AlertState, isActive } from './state-machine.js';

/**
 * Whether an escalation is owed now (DESIGN §6): a critical rule with `escalateAfterMs`, an alert
 * still in its episode (firing or recovering), nobody has acknowledged it, `escalateAfterMs` has
 * passed since it fired, and this episode has not escalated yet. Silences are not looked at here;
 * `decideNotifications` applies them like for any notification.
 *
 * @param alert - the state after this tick's `evaluate`
 * @param rule - the alert's rule
 * @param at - now (ms)
 */
export function dueEscalation(alert: AlertState, rule: Pick<Rule, 'severity' | 'escalateAfterMs'>, at: number): boolean {
  return (
    rule.severity === 'critical' &&
    rule.escalateAfterMs !== undefined &&
    isActive(alert) &&
    alert.ack === undefined &&
    alert.firedAt !== undefined &&
    at - alert.firedAt >= rule.escalateAfterMs &&
    alert.escalatedEpisode !== alert.episode
  );
}

/** Records that this episode has escalated, so {@link dueEscalation} says no until the next one. */
export function markEscalated(alert: AlertState): AlertState {
  return { ...alert, escalatedEpisode: alert.episode };
}
