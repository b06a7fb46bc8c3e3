import { createHash } from 'node:crypto';
import { globMatch } from './glob.js';
import { REMINDER_METRIC } from './metrics.js';
import { decideNotifications, type NotificationDecision, type NotifyingRule } from './notification.js';
import type { ComplaintSeverity, ReminderRule } from './reminder-rule.js';
import type { Silence } from './silence.js';
import type { AlertState } from './state-machine.js';

/**
 * Complaint reminders (实时提醒机制, issue 11 item 4): a rule of `kind: "complaint-reminder"` raises one
 * alert per (complaint, step) as an open, unanswered complaint's response due time approaches
 * (`leadTimesMs`) and when it passes (`atDue`). Pure: the alerter reads the complaints and stores the
 * alerts (services/alerter/src/reminders.ts).
 */

/**
 * One complaint as the live store keeps it (decision 0010 §4: the `meta` of `ns:{tenant}:cp:<id>`),
 * the same shape as `@callboard/windows`' `ComplaintMeta`.
 */
export interface ReminderComplaint {
  complaintId: string;
  tenantId: string;
  queueId: string | null;
  severity: ComplaintSeverity;
  category: string;
  channel: string;
  filedAt: number;
  dueAt: number;
  respondedAt: number | null;
  closedAt: number | null;
}

/** One step of a reminder rule: `lead-<ms>` (that long before the due time) or `due` (at it). */
export interface ReminderStep {
  name: string;
  /** How long before the due time the step is reached; 0 for `due`. */
  offsetMs: number;
}

/** A rule's steps, earliest first: the longest lead time first, `due` last. */
export function reminderSteps(rule: Pick<ReminderRule, 'leadTimesMs' | 'atDue'>): ReminderStep[] {
  const steps = [...rule.leadTimesMs].sort((a, b) => b - a).map((ms) => ({ name: `lead-${ms}`, offsetMs: ms }));
  return rule.atDue ? [...steps, { name: 'due', offsetMs: 0 }] : steps;
}

/** The longest lead of a rule (0 with only `atDue`): how far ahead of now the alerter must look. */
export function maxLeadMs(rule: Pick<ReminderRule, 'leadTimesMs'>): number {
  return rule.leadTimesMs.reduce((max, ms) => Math.max(max, ms), 0);
}

/** Whether the rule covers the complaint: tenant and queue globs (a queue-less complaint is queue ""), and its severity. */
export function reminderAppliesTo(rule: Pick<ReminderRule, 'scope' | 'complaintSeverities'>, complaint: Pick<ReminderComplaint, 'tenantId' | 'queueId' | 'severity'>): boolean {
  return globMatch(rule.scope.tenant, complaint.tenantId) && globMatch(rule.scope.queue, complaint.queueId ?? '') && rule.complaintSeverities.includes(complaint.severity);
}

/**
 * The most advanced step the complaint has reached at `now`, or `undefined`: none reached yet, or the
 * complaint was answered or closed (which stops its reminders). A step is reached at exactly
 * `dueAt - offsetMs`. Only the most advanced step is returned, so an alerter that was down across
 * several steps sends the latest one, not every step it missed.
 */
export function reminderStep(rule: Pick<ReminderRule, 'leadTimesMs' | 'atDue'>, complaint: Pick<ReminderComplaint, 'dueAt' | 'respondedAt' | 'closedAt'>, now: number): ReminderStep | undefined {
  if (complaint.respondedAt !== null || complaint.closedAt !== null) return undefined;
  let reached: ReminderStep | undefined;
  for (const step of reminderSteps(rule)) if (now >= complaint.dueAt - step.offsetMs) reached = step;
  return reached;
}

/**
 * The identity of one reminder: rule, tenant, complaint and step. Fires once: a stored alert with this
 * fingerprint, in any state, is never fired again. The complaint id is JSON-quoted: unlike other ids
 * it may hold any character, `|` too.
 */
export function reminderFingerprint(ruleId: string, tenantId: string, complaintId: string, step: string): string {
  return createHash('sha256').update(`${ruleId}|${tenantId}|complaint:${JSON.stringify(complaintId)}|${step}`).digest('hex').slice(0, 16);
}

/** What a reminder alert remembers of its complaint (no caller data: complaints carry none here). */
export interface ReminderFacts {
  complaintId: string;
  step: string;
  queueId: string | null;
  category: string;
  channel: string;
  complaintSeverity: ComplaintSeverity;
  filedAt: number;
  dueAt: number;
}

/** A reminder's alert state: an alert state (queueId: the complaint's queue, `*` when it has none) and its complaint. */
export type ReminderAlertState = AlertState & { reminder: ReminderFacts };

/** Whether a stored alert state is a reminder's. */
export function isReminderState(state: AlertState): state is ReminderAlertState {
  return typeof (state as Partial<ReminderAlertState>).reminder === 'object' && (state as Partial<ReminderAlertState>).reminder !== null;
}

/** The queue a reminder alert is filed under: the complaint's, or `*` (the tenant) for a queue-less one. */
export function reminderQueueId(complaint: Pick<ReminderComplaint, 'queueId'>): string {
  return complaint.queueId ?? '*';
}

/**
 * A reminder that has just fired: `firing`, episode 1. Its value is how long is left until the due
 * time (negative once overdue), in ms.
 */
export function fireReminder(rule: Pick<ReminderRule, 'id'>, complaint: ReminderComplaint, step: ReminderStep, now: number): ReminderAlertState {
  return {
    fingerprint: reminderFingerprint(rule.id, complaint.tenantId, complaint.complaintId, step.name),
    ruleId: rule.id,
    tenantId: complaint.tenantId,
    queueId: reminderQueueId(complaint),
    state: 'firing',
    since: now,
    value: complaint.dueAt - now,
    episode: 1,
    firedAt: now,
    lastEvaluatedAt: now,
    reminder: {
      complaintId: complaint.complaintId,
      step: step.name,
      queueId: complaint.queueId,
      category: complaint.category,
      channel: complaint.channel,
      complaintSeverity: complaint.severity,
      filedAt: complaint.filedAt,
      dueAt: complaint.dueAt,
    },
  };
}

/** A reminder whose complaint was answered or closed (it left the due set): `resolved`. */
export function resolveReminder(state: ReminderAlertState, now: number): ReminderAlertState {
  return { ...state, state: 'resolved', since: now, resolvedAt: now, lastEvaluatedAt: now };
}

/** Whether a reminder alert is still open (firing): its complaint has not yet been answered or closed. */
export function isOpenReminder(state: AlertState): boolean {
  return isReminderState(state) && (state.state === 'firing' || state.state === 'recovering');
}

function duration(ms: number, locale: 'en' | 'zh-CN'): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes < 1) return locale === 'en' ? `${Math.round(Math.abs(ms) / 1000)} s` : `${Math.round(Math.abs(ms) / 1000)} 秒`;
  if (minutes < 120) return locale === 'en' ? `${minutes} min` : `${minutes} 分钟`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (locale === 'en') return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  return rest === 0 ? `${hours} 小时` : `${hours} 小时 ${rest} 分钟`;
}

/**
 * The reminder's message, in English and Chinese: queue, category, severity, due time (UTC) and how
 * long is left or overdue at `at`. E.g. `Urgent complaint c-17 (category billing, queue vip) is due at
 * 2026-12-01T10:00:00.000Z: 5 min left`.
 */
export function reminderSummary(facts: ReminderFacts, at: number, kind: 'fire' | 'resolve' | 'escalate'): { en: string; zh: string } {
  const due = new Date(facts.dueAt).toISOString();
  const left = facts.dueAt - at;
  const queueEn = facts.queueId === null ? 'no queue' : `queue ${facts.queueId}`;
  const queueZh = facts.queueId === null ? '无队列' : `队列 ${facts.queueId}`;
  const sevEn = facts.complaintSeverity === 'urgent' ? 'Urgent' : 'Normal';
  const sevZh = facts.complaintSeverity === 'urgent' ? '紧急' : '普通';
  const head = { en: `${sevEn} complaint ${facts.complaintId} (category ${facts.category}, ${queueEn})`, zh: `${sevZh}投诉 ${facts.complaintId}（类别 ${facts.category}，${queueZh}）` };
  if (kind === 'resolve') return { en: `${head.en} was answered or closed; its reminders stop`, zh: `${head.zh}已响应或已关闭，停止提醒` };
  if (left > 0) return { en: `${head.en} is due at ${due}: ${duration(left, 'en')} left`, zh: `${head.zh}将于 ${due} 到期，剩余 ${duration(left, 'zh-CN')}` };
  if (left === 0) return { en: `${head.en} is due now (${due}) without a response`, zh: `${head.zh}已到响应期限（${due}），尚未响应` };
  return { en: `${head.en} was due at ${due}: ${duration(left, 'en')} overdue`, zh: `${head.zh}已于 ${due} 超期 ${duration(left, 'zh-CN')}，尚未响应` };
}

/** The rule as the notification pipeline sees it: a reminder rule has no metric, window or escalation. */
export function reminderNotifyingRule(rule: ReminderRule): NotifyingRule {
  return { id: rule.id, name: rule.name, severity: rule.severity, metric: REMINDER_METRIC, labels: rule.labels, routes: rule.routes };
}

/**
 * What to notify about a reminder alert just fired or resolved, like {@link decideNotifications}
 * (silences included, by the complaint's queue or `*`), each notification carrying the complaint's
 * facts as labels (`complaintId`, `step`, `category`, `channel`, `complaintSeverity`, `dueAt` ISO,
 * `queueId` when it has one) and its message in `summary` (English) and `summaryZh`.
 */
export function decideReminderNotifications(state: ReminderAlertState, rule: ReminderRule, silences: readonly Silence[], at: number): NotificationDecision {
  const decided = decideNotifications(state, reminderNotifyingRule(rule), silences, at);
  const f = state.reminder;
  const labels: Record<string, string> = {
    complaintId: f.complaintId,
    step: f.step,
    category: f.category,
    channel: f.channel,
    complaintSeverity: f.complaintSeverity,
    dueAt: new Date(f.dueAt).toISOString(),
    ...(f.queueId === null ? {} : { queueId: f.queueId }),
  };
  return {
    ...decided,
    notifications: decided.notifications.map((n) => {
      const summary = reminderSummary(f, n.at, n.kind);
      return { ...n, labels: { ...n.labels, ...labels }, summary: summary.en, summaryZh: summary.zh };
    }),
  };
}
