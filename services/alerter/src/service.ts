import { createSchemaRegistry, createTopology, EventCodec } from '@callboard/events';
import { createKafka, createMetricsRegistry, createRedis, createRootLogger, type Env, onShutdown, startOpsServer } from '@callboard/runtime';
import { createAlerter } from './alerter.js';
import { AlertStore } from './alert-store.js';
import { loadAlerterConfig } from './config.js';
import { createAlerterMetrics } from './metrics.js';
import { RulesSource } from './rules-source.js';

/** `callboard run alerter`: configuration from the environment, stops on SIGINT/SIGTERM. */
export async function runAlerterService(env: Env): Promise<void> {
  const config = loadAlerterConfig(env);
  const logger = createRootLogger({ name: 'alerter', level: config.infra.logLevel });
  const registry = createMetricsRegistry('alerter');
  const redis = createRedis(config.infra.redis, logger);
  await redis.connect();
  const alerterMetrics = createAlerterMetrics(registry);
  const rules = new RulesSource(config.rulesFile, logger, alerterMetrics);
  const stopWatching = rules.watch();
  const kafka = createKafka({ brokers: config.infra.kafkaBrokers, clientId: 'callboard-alerter', logger });
  const codec = new EventCodec(createSchemaRegistry(config.infra.registryUrl), { topology: createTopology(config.infra.topicPrefix) });
  const alerter = createAlerter({
    kafka,
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
  await alerter.start();
  const ops = await startOpsServer({
    port: config.httpPort,
    metrics: registry,
    logger,
    readiness: { kafka: () => alerter.isReady(), redis: async () => (await redis.ping()) === 'PONG', rules: () => rules.error === undefined },
  });
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
