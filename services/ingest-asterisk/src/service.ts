import { readFile } from 'node:fs/promises';
import { CallboardError } from '@callboard/errors';
import { createSchemaRegistry, createTopology, EventCodec } from '@callboard/events';
import { loadNameMap, type NameMap } from '@callboard/ingest-asterisk';
import { createKafka, createMetricsRegistry, createRootLogger, type Env, onShutdown, startOpsServer } from '@callboard/runtime';
import { loadAsteriskIngestConfig } from './config.js';
import { createAsteriskIngest } from './ingest.js';

async function readNameMap(file: string): Promise<NameMap> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new CallboardError('CB_CONFIG_INVALID', `CB_ASTERISK_QUEUES_MAP=${JSON.stringify(file)}: cannot read it as JSON (${(err as Error).message})`, { cause: err });
  }
  return loadNameMap(json);
}

/** `callboard run ingest-asterisk`: configuration from the environment, stops on SIGINT/SIGTERM. */
export async function runAsteriskIngestService(env: Env): Promise<void> {
  const config = loadAsteriskIngestConfig(env);
  const logger = createRootLogger({ name: 'ingest-asterisk', level: config.infra.logLevel });
  const metrics = createMetricsRegistry('ingest-asterisk');
  const kafka = createKafka({ brokers: config.infra.kafkaBrokers, clientId: 'callboard-ingest-asterisk', logger });
  const codec = new EventCodec(createSchemaRegistry(config.infra.registryUrl), { topology: createTopology(config.infra.topicPrefix) });
  const names = config.queuesMapFile === undefined ? undefined : await readNameMap(config.queuesMapFile);
  const ingest = createAsteriskIngest({
    kafka,
    codec,
    logger,
    metrics,
    queueLog: config.queueLog,
    stateDir: config.stateDir,
    mapping: {
      tenantId: config.tenantId,
      serverId: config.serverId,
      ...(config.source === undefined ? {} : { source: config.source }),
      ...(names === undefined ? {} : { names }),
      wrapUpMs: (queue) => config.wrapUpByQueue.get(queue) ?? config.wrapUpMs,
      ...(config.callerKeySecret === undefined ? {} : { callerKeySecret: config.callerKeySecret }),
    },
    ...(config.ami === undefined ? {} : { ami: config.ami }),
    pollMs: config.pollMs,
    chunkLines: config.chunkLines,
    startFrom: config.startFrom,
    onFatal: (err) => {
      // Crash policy: a cause retrying cannot fix ends the process non-zero; the saved position is kept.
      logger.fatal({ err }, 'ingest-asterisk cannot continue');
      process.exitCode = 1;
      void ingest.close().finally(() => process.exit(1));
    },
  });
  // Listen first: a port already taken fails here, before anything is read.
  const ops = await startOpsServer({ port: config.httpPort, metrics, logger, readiness: { kafka: () => ingest.isReady() } });
  try {
    await ingest.start();
  } catch (err) {
    await ingest.close().catch(() => undefined);
    await ops.close();
    throw err;
  }
  await new Promise<void>((resolve) => {
    onShutdown(
      async () => {
        await ingest.close();
        await ops.close();
        resolve();
      },
      { logger },
    );
  });
}
