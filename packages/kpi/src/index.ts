export { COUNT_FIELDS, QUEUE_COUNT_FIELDS, TENANT_COUNT_FIELDS, MAX_COUNT_FIELDS, emptyCounts, addCounts, type KpiCounts, type CountField } from './counts.js';
export {
  SL_FORMULAS,
  DEFAULT_SL_FORMULA,
  computeRatios,
  RATIO_FIELDS,
  slValue,
  type SlFormula,
  type SlRatios,
  type KpiRatios,
  type OutboundFailures,
  type OutboundRatios,
  type RatioOptions,
} from './ratios.js';
export { DEFAULT_QUEUE_KPI_SETTINGS, DEFAULT_TENANT_KPI_SETTINGS, resolveQueueKpiSettings, resolveTenantKpiSettings, type QueueKpiSettings, type TenantKpiSettings } from './queue-settings.js';
export { contribution, outboundContribution, surveyContribution } from './classify.js';
export {
  applyToVisit,
  compareCodePoints,
  compareVisitEvents,
  resolveVisit,
  visitKey,
  type ResolvedVisit,
  type TimedCallEvent,
  type VisitState,
  type VisitVerdict,
  type VisitTransition,
  type OutcomeType,
} from './visit-state.js';
export { computeOracle, type KpiRow, type OracleOptions, type OracleResult, type QueueKpi, type TenantKpi } from './oracle.js';
export {
  complaintLiveState,
  judgeComplaints,
  type ComplaintLiveState,
  type ComplaintLiveStateOptions,
  type JudgedComplaint,
  type TimedComplaintEvent,
} from './complaints.js';
export { judgeContacts, type Contact, type JudgedContact } from './repeat-contacts.js';
export { splitLate, type LateSplit, type SplitLateOptions } from './lateness.js';
export {
  erlangs,
  probabilityOfWaiting,
  serviceLevel,
  asaSeconds,
  occupancy,
  requiredAgents,
  erlangReport,
  type ErlangReportInput,
  type ErlangReport,
} from './erlang-c.js';
export { effectiveAgents, expectedWaitNewCaller, planQueue, queueLoad, type NewCallerInput, type Planning, type PlanningInput } from './planning.js';
