import { dueEscalation, markEscalated } from './escalation.js';
import type { MetricName, REMINDER_METRIC } from './metrics.js';
import type { Rule, Severity } from './rule.js';
import { activeSilence, type Silence } from './silence.js';
import { type AlertState, isActive } from './state-machine.js';

/** What a notification says: an episode began, ended, or has gone unacknowledged too long. */
export type NotificationKind = 'fire' | 'resolve' | 'escalate';

/** One message about one alert, before grouping. Plain JSON. */
export interface Notification {
  kind: NotificationKind;
  fingerprint: string;
  ruleId: string;
  ruleName: string;
  tenantId: string;
  queueId: string;
  severity: Severity;
  /** The rule's metric; `complaint.reminder` for a complaint reminder. */
  metric: MetricName | typeof REMINDER_METRIC;
  value: number | null;
  episode: number;
  /**
   * When the episode fired (ms). Episode numbers restart at 1 when alert state is new (a new
   * deployment, a new Redis), so the start time is what tells two episodes of one fingerprint apart in
   * the idempotency key. Absent on notifications stored before it existed.
   */
  episodeStartedAt?: number;
  /** When it happened (ms): the fire, the resolve, or the escalation decision. */
  at: number;
  labels: Record<string, string>;
  /** Route names from the rule; the grouper sends one batch per route. */
  routes: string[];
  /**
   * Set on a `resolve` sent while a silence covers the alert: the episode's fire was paged before
   * the silence began, so whoever was paged hears it end (issue 8 item 12).
   */
  silenced?: true;
  /** A complaint reminder's message, in English and in Chinese (docs/alerts.md "Complaint reminders"). */
  summary?: string;
  summaryZh?: string;
}

/** What notifying needs of a rule: a metric rule, or a complaint reminder rule seen through `reminderNotifyingRule`. */
export type NotifyingRule = Pick<Rule, 'id' | 'name' | 'severity' | 'labels' | 'routes'> &
  Partial<Pick<Rule, 'escalateAfterMs' | 'escalationRoutes'>> & { metric: MetricName | typeof REMINDER_METRIC };

/** Builds the notification of `kind` for an alert. */
export function toNotification(alert: AlertState, rule: NotifyingRule, kind: NotificationKind, at: number): Notification {
  return {
    kind,
    fingerprint: alert.fingerprint,
    ruleId: rule.id,
    ruleName: rule.name,
    tenantId: alert.tenantId,
    queueId: alert.queueId,
    severity: rule.severity,
    metric: rule.metric,
    value: alert.value,
    episode: alert.episode,
    episodeStartedAt: alert.firedAt ?? at,
    at: kind === 'fire' ? (alert.firedAt ?? at) : kind === 'resolve' ? (alert.resolvedAt ?? at) : at,
    labels: { ...rule.labels },
    routes: notificationRoutes(alert, rule, kind),
  };
}

/**
 * An escalation goes to the rule's `escalationRoutes` (its `routes` when it names none); the resolve
 * of an episode that escalated goes to both, so everyone paged hears the episode end.
 */
function notificationRoutes(alert: AlertState, rule: NotifyingRule, kind: NotificationKind): string[] {
  const escalation = rule.escalationRoutes ?? rule.routes;
  if (kind === 'escalate') return [...escalation];
  if (kind === 'resolve' && alert.escalatedEpisode === alert.episode) return [...new Set([...rule.routes, ...escalation])];
  return [...rule.routes];
}

/** The outcome of {@link decideNotifications}: the state to store and what to hand to the grouper. */
export interface NotificationDecision {
  state: AlertState;
  notifications: Notification[];
  /** The id of the silence that suppressed notifications, when one did. */
  silencedBy?: string;
}

/**
 * Decides what to notify about an alert just evaluated; call it after every `evaluate`, with the
 * state it returned, and store the state it returns.
 *
 * Decisions rest on the stored state, not on the transition, so they survive restarts and silences:
 * - **fire** when the alert is in an episode whose fire was not yet notified (`notifiedEpisode`).
 *   A fire that happened under a silence is therefore sent when the silence expires, if the alert is
 *   still firing, as Alertmanager does;
 * - **resolve** when the alert has just resolved and its fire was notified; nobody hears of the end
 *   of an episode they were never told began;
 * - **escalate** when {@link dueEscalation} says so and the fire was notified; once per episode, to
 *   the rule's `escalationRoutes` (its `routes` when it names none).
 *
 * A matching active silence mutes new fires and escalations, and nothing is marked as sent, so they
 * go out when it ends if the alert is still in its episode; the returned state is otherwise the
 * evaluated one: the alert stays firing and visible. A resolve under a silence follows the fire, as
 * in Alertmanager and PagerDuty: when the episode's fire was sent before the silence began, the
 * resolve IS sent, marked `silenced: true`, so the person paged hears the episode end; when the fire
 * was never sent (silenced from the start), neither is the resolve.
 *
 * @param alert - the state `evaluate` returned for this tick
 * @param rule - the alert's rule
 * @param silences - every silence of the tenant (expired ones are ignored)
 * @param at - now (ms)
 */
export function decideNotifications(alert: AlertState, rule: NotifyingRule, silences: readonly Silence[], at: number): NotificationDecision {
  const silence = activeSilence(alert, rule, silences, at);
  if (silence) {
    if (alert.state !== 'resolved' || alert.notifiedEpisode !== alert.episode) return { state: alert, notifications: [], silencedBy: silence.id };
    const state = { ...alert };
    delete state.notifiedEpisode;
    return { state, notifications: [{ ...toNotification(alert, rule, 'resolve', at), silenced: true }], silencedBy: silence.id };
  }
  let state = alert;
  const notifications: Notification[] = [];
  if (isActive(state) && state.notifiedEpisode !== state.episode) {
    notifications.push(toNotification(state, rule, 'fire', at));
    state = { ...state, notifiedEpisode: state.episode };
  }
  if (state.state === 'resolved' && state.notifiedEpisode === state.episode) {
    notifications.push(toNotification(state, rule, 'resolve', at));
    // Forget the fire was sent, so a second call for the same resolved state does not resolve twice.
    state = { ...state };
    delete state.notifiedEpisode;
  }
  if (state.notifiedEpisode === state.episode && dueEscalation(state, rule, at)) {
    notifications.push(toNotification(state, rule, 'escalate', at));
    state = markEscalated(state);
  }
  return { state, notifications };
}
