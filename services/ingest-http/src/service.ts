import { createSchemaRegistry, createTopology, EventCodec } from '@callboard/events';
import { createKafka, createMetricsRegistry, createRootLogger, type Env, onShutdown, startSourceHeartbeats } from '@callboard/runtime';
import { loadIngestHttpConfig } from './config.js';
import { createIngestHttp } from './ingest-http.js';

/** The `source` of heartbeats for events posted without one of their own. */
export const HTTP_SOURCE = 'http';

/** `callboard run ingest-http`: configuration from the environment, stops on SIGINT/SIGTERM. */
export async function runIngestHttpService(env: Env): Promise<void> {
  const config = loadIngestHttpConfig(env);
  const logger = createRootLogger({ name: 'ingest-http', level: config.infra.logLevel });
  const metrics = createMetricsRegistry('ingest-http');
  const kafka = createKafka({ brokers: config.infra.kafkaBrokers, clientId: 'callboard-ingest-http', logger });
  const codec = new EventCodec(createSchemaRegistry(config.infra.registryUrl), { topology: createTopology(config.infra.topicPrefix) });
  // acks=all on every send (runtime sendEncodedRecords), idempotent: a retried produce is never written twice.
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  // Source freshness (issue 10 item 5): each (tenant, source) that posts is heard from every 10 s
  // while it keeps posting, and goes silent 15 min after its last event.
  const heartbeats = await startSourceHeartbeats({ producer, codec, logger, metrics });
  const ingest = createIngestHttp({
    producer,
    codec,
    logger,
    metrics,
    config,
    onAccepted: (tenantId, events) => {
      for (const e of events) heartbeats.noteEvent(tenantId, e.source || HTTP_SOURCE, Date.parse(e.occurredAt));
    },
  });
  try {
    await ingest.start();
  } catch (err) {
    await heartbeats.stop();
    await producer.disconnect();
    throw err;
  }
  await new Promise<void>((resolve) => {
    onShutdown(
      async () => {
        // Listeners first: requests in flight finish, and their sends are acknowledged, before the producer goes.
        await ingest.close();
        await heartbeats.stop();
        await producer.disconnect();
        resolve();
      },
      { logger },
    );
  });
}
