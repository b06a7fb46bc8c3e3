import { createSchemaRegistry, createTopology, EventCodec } from '@callboard/events';
import { QueueConfig } from '@callboard/queue-config';
import { createKafka, createMetricsRegistry, connectRedis, createRootLogger, type Env, onShutdown, startOpsServer } from '@callboard/runtime';
import { WindowStore } from '@callboard/windows';
import { createAggregator } from './aggregator.js';
import { loadAggregatorConfig } from './config.js';

/** `callboard run aggregator`: configuration from the environment, stops on SIGINT/SIGTERM. */
export async function runAggregatorService(env: Env): Promise<void> {
  const config = loadAggregatorConfig(env);
  const logger = createRootLogger({ name: 'aggregator', level: config.infra.logLevel });
  const queues = QueueConfig.load(config.queuesFile);
  const metrics = createMetricsRegistry('aggregator');
  const redis = await connectRedis(config.infra.redis, logger);
  const kafka = createKafka({ brokers: config.infra.kafkaBrokers, clientId: 'callboard-aggregator', logger });
  const codec = new EventCodec(createSchemaRegistry(config.infra.registryUrl), { topology: createTopology(config.infra.topicPrefix) });
  const store = new WindowStore(redis, { namespace: config.redisNamespace, graceMs: config.graceMs });
  const aggregator = createAggregator({
    kafka,
    codec,
    store,
    queues,
    logger,
    metrics,
    groupId: config.groupId,
    graceMs: config.graceMs,
    maxSkewMs: config.maxSkewMs,
    snapshotIntervalMs: config.snapshotIntervalMs,
    concurrency: config.concurrency,
    chunkSize: config.chunkSize,
    sources: config.sources,
    onFatal: (err) => {
      // Crash policy: a cause retrying cannot fix ends the process non-zero; a supervisor restarts it.
      logger.fatal({ err }, 'aggregator cannot continue');
      process.exitCode = 1;
      void aggregator.close().finally(() => process.exit(1));
    },
  });
  // Listen first: a port already taken fails here, before this instance joins its group.
  const ops = await startOpsServer({
    port: config.httpPort,
    metrics,
    logger,
    readiness: { kafka: () => aggregator.isReady(), redis: async () => (await redis.ping()) === 'PONG' },
  });
  try {
    await aggregator.start();
  } catch (err) {
    await aggregator.close().catch(() => undefined);
    await ops.close();
    redis.disconnect();
    throw err;
  }
  await new Promise<void>((resolve) => {
    onShutdown(
      async () => {
        await aggregator.close();
        await ops.close();
        redis.disconnect();
        resolve();
      },
      { logger },
    );
  });
}
