export {
  ALERT_WINDOWS,
  WINDOW_METRICS,
  LIVE_METRICS,
  PLANNING_METRICS,
  SOURCE_METRICS,
  METRICS,
  isSourceMetric,
  sampleSourceMetric,
  metricInfo,
  isMetricName,
  sampleMetric,
  REMINDER_METRIC,
  type MetricDirection,
  type AlertWindow,
  type MetricName,
  type MetricUnit,
  type MetricInfo,
  type MetricReading,
} from './metrics.js';
export { COMPARATORS, compare, firesLow, resolveThreshold, type Comparator, type Threshold } from './threshold.js';
export { globMatch } from './glob.js';
export { GROUP_BY_FIELDS, groupingConfigSchema, DEFAULT_GROUPING, type GroupByField, type GroupingConfig } from './grouping-config.js';
export { SEVERITIES, routeSchema, ruleSchema, rulesFileSchema, type Severity, type Route, type Rule, type RulesFile, type RulesFileInput } from './rule.js';
export { loadRules, parseRules, formatPath, type RuleIssue } from './load-rules.js';
export { jsonErrorPosition, firstJsonError, type JsonErrorPosition } from './json-position.js';
export { ruleAppliesTo, rulesForQueue } from './rule-scope.js';
export { ruleWarnings, type RuleWarning } from './rule-warnings.js';
export { fingerprint } from './fingerprint.js';
export {
  ALERT_STATES,
  evaluate,
  initialAlertState,
  isNotifiable,
  isActive,
  type AlertState,
  type AlertStateName,
  type Acknowledgement,
  type Evaluation,
  type Sample,
  type Transition,
  type TransitionKind,
} from './state-machine.js';
export { sampleRule, snapshotQueueId } from './sample-rule.js';
export { acknowledge, unacknowledge } from './acknowledge.js';
export { silenceSchema, silenceMatches, activeSilence, isSilenced, type Silence } from './silence.js';
export { dueEscalation, markEscalated } from './escalation.js';
export { decideNotifications, toNotification, type NotifyingRule, type Notification, type NotificationKind, type NotificationDecision } from './notification.js';
export { NotificationGrouper, groupKey, batchIdempotencyKey, type Batch, type GrouperSnapshot } from './grouping.js';
export { DEFAULT_RULES, DEFAULT_RULES_URL, defaultRules } from './default-rules.js';
export { REMINDER_KIND, COMPLAINT_SEVERITIES, MAX_LEAD_MS, reminderRuleSchema, type ComplaintSeverity, type ReminderRule, type ReminderRuleInput } from './reminder-rule.js';
export {
  reminderSteps,
  maxLeadMs,
  reminderAppliesTo,
  reminderStep,
  reminderFingerprint,
  isReminderState,
  isOpenReminder,
  reminderQueueId,
  fireReminder,
  resolveReminder,
  reminderSummary,
  reminderNotifyingRule,
  decideReminderNotifications,
  type ReminderComplaint,
  type ReminderStep,
  type ReminderFacts,
  type ReminderAlertState,
} from './complaint-reminder.js';
