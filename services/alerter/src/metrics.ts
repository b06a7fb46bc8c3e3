import { Counter, Gauge, type Registry } from '@callboard/runtime';

export interface AlerterMetrics {
  evaluations: Counter;
  transitions: Counter<'kind' | 'severity'>;
  conflicts: Counter;
  notificationsSent: Counter<'route'>;
  notificationsFailed: Counter<'route'>;
  notificationsDead: Counter<'route'>;
  notificationsPending: Gauge;
  rulesReloads: Counter<'result'>;
}

export function createAlerterMetrics(registry: Registry): AlerterMetrics {
  return {
    evaluations: new Counter({ name: 'callboard_alerter_evaluations_total', help: 'Rule evaluations (one rule, one queue).', registers: [registry] }),
    transitions: new Counter({ name: 'callboard_alerter_transitions_total', help: 'Alert state transitions, by kind and severity.', labelNames: ['kind', 'severity'], registers: [registry] }),
    conflicts: new Counter({ name: 'callboard_alerter_save_conflicts_total', help: 'Evaluations dropped because another instance saved the alert first.', registers: [registry] }),
    notificationsSent: new Counter({ name: 'callboard_alerter_notifications_sent_total', help: 'Webhook deliveries that got a 2xx.', labelNames: ['route'], registers: [registry] }),
    notificationsFailed: new Counter({ name: 'callboard_alerter_notifications_failed_total', help: 'Webhook attempts that failed (retried with backoff).', labelNames: ['route'], registers: [registry] }),
    notificationsDead: new Counter({ name: 'callboard_alerter_notifications_dead_total', help: 'Deliveries dead-lettered after the last attempt.', labelNames: ['route'], registers: [registry] }),
    notificationsPending: new Gauge({ name: 'callboard_alerter_notifications_pending', help: 'Deliveries waiting to be sent or retried.', registers: [registry] }),
    rulesReloads: new Counter({ name: 'callboard_alerter_rules_reloads_total', help: 'Rules file reloads, by result (ok, refused).', labelNames: ['result'], registers: [registry] }),
  };
}
