export { readEnv, type Env } from './env.js';
export { parseEnv, portVar, positiveIntVar, nonNegativeIntVar, boolVar, logLevelVar, infraEnvSchema, loadInfraConfig, type InfraConfig } from './config.js';
export { createRootLogger, REDACT_PATHS, type Logger } from './logger.js';
export { createKafka, type KafkaFactoryOptions } from './kafka.js';
export { partitionFor, sendByPartition, sendEncodedRecords } from './keyed-send.js';
export { connectRedis, createRedis, escapeGlob, nodesOf, redisErrorForLog, scanKeys, type Redis, type RedisClient, type RedisTarget } from './redis.js';
export { loadScripts, readScript } from './scripts.js';
export { createMetricsRegistry, Counter, Gauge, Histogram, Registry } from './metrics.js';
export { listenOn, startOpsServer, type OpsServer, type OpsServerOptions, type ReadinessCheck } from './http-server.js';
export { onShutdown, type ShutdownOptions } from './shutdown.js';
export { DlqPublisher, type RefusedRecord } from './dlq.js';
export { createEventConsumer, unavailable, type EventConsumer, type EventConsumerOptions, type EventBatch, type ConsumedEvent, type RecordDecoder } from './event-consumer.js';
export { provision } from './provision.js';
export {
  startSourceHeartbeat,
  startSourceHeartbeats,
  SOURCE_HEARTBEAT_INTERVAL_MS,
  SOURCE_HEARTBEAT_FORGET_MS,
  type SourceHeartbeat,
  type SourceHeartbeatOptions,
  type SourceHeartbeats,
  type SourceHeartbeatsOptions,
} from './source-heartbeat.js';
