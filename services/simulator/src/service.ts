import { z } from 'zod';
import { createSchemaRegistry, createTopology, EventCodec } from '@callboard/events';
import { boolVar, createKafka, createRootLogger, type Env, loadInfraConfig, nonNegativeIntVar, onShutdown, parseEnv, startSourceHeartbeats } from '@callboard/runtime';
import { DEFAULT_CONFIG_PATH, loadSimulatorConfig } from './config.js';
import { SIMULATOR_SOURCE } from './event-builder.js';
import { withSourceHeartbeats } from './heartbeat-sink.js';
import { PROFILE_KINDS } from './profile.js';
import { createKafkaSink } from './kafka-sink.js';
import { runSimulation } from './run-simulation.js';

const fraction = z.coerce.number().min(0, 'must be in [0, 1]').max(1, 'must be in [0, 1]');

/** Defaults beside the schema; docs/configuration.md lists them. */
export const SIMULATOR_DEFAULTS = { CB_SIM_SEED: 1, CB_SIM_SPEED: 1 } as const;

const schema = z.object({
  CB_SIM_CONFIG: z.string().min(1).default(DEFAULT_CONFIG_PATH),
  CB_SIM_SEED: nonNegativeIntVar.default(SIMULATOR_DEFAULTS.CB_SIM_SEED),
  /** Simulated time per wall-clock time. Above 1 the events run ahead of the clock, so consumers refuse them past their skew. */
  CB_SIM_SPEED: z.coerce.number().positive('must be > 0').max(3600, 'must be at most 3600').default(SIMULATOR_DEFAULTS.CB_SIM_SPEED),
  /** Overrides every tenant's arrival profile; `flat` keeps a demo busy at night. */
  CB_SIM_PROFILE: z.enum(PROFILE_KINDS).optional(),
  /** Minutes of traffic to simulate before now, produced at once, so a fresh demo has history. */
  CB_SIM_BACKFILL_MINUTES: nonNegativeIntVar.max(24 * 60).default(0),
  CB_SIM_DUPLICATES: fraction.default(0),
  CB_SIM_REORDER: fraction.default(0),
  CB_SIM_CORRUPT: fraction.default(0),
  CB_SIM_QUIET: boolVar.default('false'),
  /** Adds the wave 2 traffic (issue 11) at the config's `wave2` rates, or the defaults when it has none. */
  CB_SIM_WAVE2: boolVar.default('false'),
});

/**
 * `callboard run simulator`: real-time traffic into Kafka until SIGINT or SIGTERM. The simulated clock
 * starts `CB_SIM_BACKFILL_MINUTES` in the past, so that history is produced at once, then it paces
 * itself to the wall clock.
 */
export async function runSimulatorService(env: Env): Promise<void> {
  const infra = loadInfraConfig(env);
  const e = parseEnv(schema, env);
  const logger = createRootLogger({ name: 'simulator', level: e.CB_SIM_QUIET ? 'warn' : infra.logLevel });
  const loaded = await loadSimulatorConfig(e.CB_SIM_CONFIG);
  const config = e.CB_SIM_WAVE2 ? { ...loaded, wave2: loaded.wave2 ?? {} } : loaded;
  const tenants = e.CB_SIM_PROFILE ? config.tenants.map((t) => ({ ...t, profile: e.CB_SIM_PROFILE! })) : config.tenants;
  const kafka = createKafka({ brokers: infra.kafkaBrokers, clientId: 'callboard-simulator', logger });
  const codec = new EventCodec(createSchemaRegistry(infra.registryUrl), { topology: createTopology(infra.topicPrefix) });
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  // A heartbeat per simulated tenant every 10 s, like a real feed's: stop the simulator and its
  // tenants' wallboards show the source STALE (issue 10 item 5).
  const beats = await startSourceHeartbeats({ producer, codec, logger });
  for (const t of tenants) beats.track(t.tenantId, SIMULATOR_SOURCE);
  const controller = new AbortController();
  const backfillMs = e.CB_SIM_BACKFILL_MINUTES * 60_000;
  const start = Date.now() - backfillMs;
  logger.info({ seed: e.CB_SIM_SEED, speed: e.CB_SIM_SPEED, wave2: config.wave2 !== undefined, start: new Date(start).toISOString(), tenants: tenants.map((t) => t.tenantId) }, 'simulating traffic into Kafka');
  const run = runSimulation({
    config: { ...config, tenants },
    seed: e.CB_SIM_SEED,
    start,
    durationMs: Infinity,
    speed: e.CB_SIM_SPEED,
    // The backfill plays at full speed: pacing holds `start` to the wall clock of backfillMs ago.
    wallStart: Date.now() - backfillMs / e.CB_SIM_SPEED,
    faults: { duplicates: e.CB_SIM_DUPLICATES, reorder: e.CB_SIM_REORDER, corrupt: e.CB_SIM_CORRUPT },
    sinks: { faulty: [withSourceHeartbeats(createKafkaSink({ producer, codec }), beats)] },
    signal: controller.signal,
    // The config's scripted incidents start at the live point, not in the backfilled past.
    incidentsFromMs: backfillMs,
  });
  onShutdown(
    async () => {
      controller.abort();
      const stats = await run;
      await beats.stop();
      logger.info({ stats }, 'simulator stopped');
      await producer.disconnect();
    },
    { logger },
  );
  await run;
}
