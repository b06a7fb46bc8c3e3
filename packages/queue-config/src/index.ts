export { QueueConfig, type ResolvedQueue } from './queue-config.js';
export { BUILT_IN_DEFAULTS, queueConfigFileSchema, queueSettingsSchema, type QueueConfigFile, type QueueSettings } from './schema.js';
export type { TenantClock } from './types.js';
