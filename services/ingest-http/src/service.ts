import { createSchemaRegistry, createTopology, EventCodec } from '@callboard/events';
import { createKafka, createMetricsRegistry, createRootLogger, type Env, onShutdown } from '@callboard/runtime';
import { loadIngestHttpConfig } from './config.js';
import { createIngestHttp } from './ingest-http.js';

/** `callboard run ingest-http`: configuration from the environment, stops on SIGINT/SIGTERM. */
export async function runIngestHttpService(env: Env): Promise<void> {
  const config = loadIngestHttpConfig(env);
  const logger = createRootLogger({ name: 'ingest-http', level: config.infra.logLevel });
  const metrics = createMetricsRegistry('ingest-http');
  const kafka = createKafka({ brokers: config.infra.kafkaBrokers, clientId: 'callboard-ingest-http', logger });
  const codec = new EventCodec(createSchemaRegistry(config.infra.registryUrl), { topology: createTopology(config.infra.topicPrefix) });
  // acks=all on every send (sendByPartition), idempotent: a retried produce is never written twice.
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const ingest = createIngestHttp({ producer, codec, logger, metrics, config });
  try {
    await ingest.start();
  } catch (err) {
    await producer.disconnect();
    throw err;
  }
  await new Promise<void>((resolve) => {
    onShutdown(
      async () => {
        // Listeners first: requests in flight finish, and their sends are acknowledged, before the producer goes.
        await ingest.close();
        await producer.disconnect();
        resolve();
      },
      { logger },
    );
  });
}
