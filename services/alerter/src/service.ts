import { createSchemaRegistry, createTopology, EventCodec } from '@callboard/events';
import { createKafka, createMetricsRegistry, connectRedis, createRootLogger, type Env, onShutdown, startOpsServer } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { createAlerter } from './alerter.js';
import { AlertStore } from './alert-store.js';
import { loadAlerterConfig } from './config.js';
import { createAlerterMetrics } from './metrics.js';
import { asComplaintSource } from './reminders.js';
import { RulesSource } from './rules-source.js';

/** `callboard run alerter`: configuration from the environment, stops on SIGINT/SIGTERM. */
export async function runAlerterService(env: Env): Promise<void> {
  const config = loadAlerterConfig(env);
  const logger = createRootLogger({ name: 'alerter', level: config.infra.logLevel });
  const registry = createMetricsRegistry('alerter');
  const redis = await connectRedis(config.infra.redis, logger);
  const alerterMetrics = createAlerterMetrics(registry);
  const rules = new RulesSource(config.rulesFile, logger, alerterMetrics);
  const stopWatching = rules.watch();
  const kafka = createKafka({ brokers: config.infra.kafkaBrokers, clientId: 'callboard-alerter', logger });
  const codec = new EventCodec(createSchemaRegistry(config.infra.registryUrl), { topology: createTopology(config.infra.topicPrefix) });
  // Complaint reminders read the aggregator's live store (same Redis, same namespace).
  const complaints = asComplaintSource(new WindowStore(redis, { namespace: config.redisNamespace }));
  if (!complaints) logger.warn('this build of the window store has no complaint reads: complaint reminder rules send nothing');
  const alerter = createAlerter({
    kafka,
    ...(complaints ? { complaints } : {}),
    codec,
    store: new AlertStore(redis, config.redisNamespace),
    rules: () => rules.rules,
    logger,
    metrics: registry,
    alerterMetrics,
    groupId: config.groupId,
    tickMs: config.tickMs,
    webhook: { timeoutMs: config.webhookTimeoutMs, maxAttempts: config.webhookMaxAttempts, backoff: { initialDelayMs: 1000, maxDelayMs: 300_000 } },
    onFatal: (err) => {
      logger.fatal({ err }, 'alerter cannot continue');
      void alerter.close().finally(() => process.exit(1));
    },
  });
  // Listen first: a port already taken fails here, before this instance joins its group.
  const ops = await startOpsServer({
    port: config.httpPort,
    metrics: registry,
    logger,
    readiness: { kafka: () => alerter.isReady(), redis: async () => (await redis.ping()) === 'PONG', rules: () => rules.error === undefined },
  });
  try {
    await alerter.start();
  } catch (err) {
    await alerter.close().catch(() => undefined);
    await ops.close();
    redis.disconnect();
    throw err;
  }
  await new Promise<void>((resolve) => {
    onShutdown(
      async () => {
        stopWatching();
        await alerter.close();
        await ops.close();
        redis.disconnect();
        resolve();
      },
      { logger },
    );
  });
}
