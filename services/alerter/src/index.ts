export { createAlerter, type Alerter, type AlerterDeps } from './alerter.js';
export { AlertStore, type StoredAlert, type OutboxEntry, type AlertChange, type AuditEntry } from './alert-store.js';
export { loadAlerterConfig, ALERTER_DEFAULTS, type AlerterConfig } from './config.js';
export { RulesSource } from './rules-source.js';
export { Dispatcher, webhookPayload, type DispatcherDeps } from './dispatcher.js';
export { NotifyStore, type Delivery } from './notify-store.js';
export { ReminderEvaluator, asComplaintSource, type ComplaintSource, COMPLAINT_LOOKBACK_MS, DUE_LIMIT, RESOLVED_REMINDER_TTL_MS } from './reminders.js';
