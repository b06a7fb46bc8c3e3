import { AlertStore } from '@callboard/alerter';
import { createSchemaRegistry, createTopology, EventCodec } from '@callboard/events';
import { QueueConfig } from '@callboard/queue-config';
import { createKafka, createMetricsRegistry, connectRedis, createRootLogger, type Env, onShutdown, type Redis } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { loadGatewayConfig } from './config.js';
import { createGateway } from './gateway.js';

/** `callboard run gateway`: configuration from the environment, stops on SIGINT/SIGTERM. */
export async function runGatewayService(env: Env): Promise<void> {
  const config = loadGatewayConfig(env);
  const logger = createRootLogger({ name: 'gateway', level: config.infra.logLevel });
  const queues = QueueConfig.load(config.queuesFile);
  const metrics = createMetricsRegistry('gateway');
  const redis = await connectRedis(config.infra.redis, logger);
  const kafka = createKafka({ brokers: config.infra.kafkaBrokers, clientId: 'callboard-gateway', logger });
  const codec = new EventCodec(createSchemaRegistry(config.infra.registryUrl), { topology: createTopology(config.infra.topicPrefix) });
  const gateway = createGateway({
    kafka,
    codec,
    redis,
    // WindowStore is typed for one node until the store's per-slot calls land (issue 9, packages/windows).
    store: new WindowStore(redis as Redis, { namespace: config.redisNamespace }),
    alerts: new AlertStore(redis, config.redisNamespace),
    queues,
    logger,
    metrics,
    config,
    onFatal: (err) => {
      // Crash policy: a cause retrying cannot fix ends the process non-zero; a supervisor restarts it.
      logger.fatal({ err }, 'gateway cannot continue');
      process.exitCode = 1;
      void gateway.close().finally(() => process.exit(1));
    },
  });
  await gateway.start();
  await new Promise<void>((resolve) => {
    onShutdown(
      async () => {
        await gateway.close();
        redis.disconnect();
        resolve();
      },
      { logger },
    );
  });
}
