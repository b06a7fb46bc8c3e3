export * from './bucket-keys.js';
export * from './window-ranges.js';
export { WindowStore, MAX_READ_KEYS, type WindowStoreOptions, type ApplyBatchInput, type ApplyBatchResult, type ComplaintLiveState, type ComplaintMeta, type LateEntry, type LiveQueueState, type RangeRead, type PartitionRef, type ResumePoint } from './store.js';
export { loadStoreScripts } from './script-loader.js';
export {
  kpiRow,
  readMonthToDate,
  readQueueView,
  readTenantView,
  readTenantWindow,
  readWindow,
  TENANT_TOTAL_QUEUE,
  tenantQueueIds,
  windowKpi,
  type ComplaintLive,
  type KpiView,
  type MonthCache,
  type MonthToDate,
  type QueueLoadCache,
  type QueueView,
  type ReadViewOptions,
  type TenantSettingsSource,
  type TenantView,
  type WindowKpi,
} from './queue-reader.js';
export {
  judgeSources,
  noteSourceTimes,
  readSourceFreshness,
  sourceField,
  SOURCE_FIELD,
  SOURCE_RETENTION_MS,
  SOURCE_SILENT_AFTER_MS,
  type SourceFreshness,
  type SourceJudgement,
  type StaleReason,
} from './source-freshness.js';
