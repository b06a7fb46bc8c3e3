export {
  DEFAULT_CONFIG_PATH,
  DEMO_CONFIG_PATH,
  WAVE2_CONFIG_PATH,
  loadSimulatorConfig,
  parseSimulatorConfig,
  simulatorConfigSchema,
  type BreakConfig,
  type IncidentsConfig,
  type QueueConfig,
  type ShiftConfig,
  type SimulatorConfig,
  type SimulatorConfigInput,
  type TenantConfig,
} from './config.js';
export { Random } from './random.js';
export { simulatedCallerKey, surveyScores, wave2Schema, type Wave2Config, type Wave2ConfigInput } from './wave2.js';
export { createArrivalProfile, telecomDayCurve, PROFILE_KINDS, TELECOM_NIGHT_FLOOR, type ArrivalProfile, type ArrivalProfileOptions, type ProfileKind } from './profile.js';
export { isValidTimeZone, localHourOfDay, zonedParts, zonedTimeToEpoch, zoneOffsetMs, type ZonedParts } from './time-zone.js';
export { nextShift, type ShiftInstance } from './shifts.js';
export { expandAgents, type AgentSpec } from './roster.js';
export { defaultRunId, generatedAgentId } from './ids.js';
export { parseScenario, scenarioStepSchema, type ScenarioStep, type ScenarioStepInput } from './scenario.js';
export { SIMULATOR_SOURCE } from './event-builder.js';
export { simulate, type SimulateOptions } from './engine.js';
export { CORRUPTION_MODES, cleanItem, type CorruptionMode, type StreamItem } from './stream-item.js';
export { injectFaults, faultOptionsSchema, type FaultOptions } from './faults.js';
export { corruptJsonLine, garbageBytes, invalidFieldVariant } from './corrupt.js';
export { createJsonLinesSink, createMemorySink, type EventSink, type MemorySink } from './sinks.js';
export { StatsCollector, type SimulationStats } from './stats.js';
export { runSimulation, type RunSimulationOptions } from './run-simulation.js';
export { createKafkaSink, type KafkaSinkOptions } from './kafka-sink.js';
export { withSourceHeartbeats } from './heartbeat-sink.js';
