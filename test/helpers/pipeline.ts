import { spawn, type ChildProcess } from 'node:child_process';
import type { Producer } from 'kafkajs';
import { type AggregatorDeps, createAggregator, type Aggregator } from '@callboard/aggregator';
import { type Alerter, type AlerterDeps, type AlertStore, createAlerter } from '@callboard/alerter';
import type { RulesFile } from '@callboard/alerts';
import { createMetricsRegistry } from '@callboard/runtime';
import { fileURLToPath } from 'node:url';
import { type CanonicalEvent, inputTopics } from '@callboard/events';
import { QueueConfig } from '@callboard/queue-config';
import { createKafkaSink, createMemorySink, DEFAULT_CONFIG_PATH, type EventSink, loadSimulatorConfig, runSimulation, type FaultOptions } from '@callboard/simulator';
import type { WindowStore } from '@callboard/windows';
import { infra, type TestStack } from './infra.js';
import { waitFor } from './wait.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const QUEUES_FILE = fileURLToPath(new URL('../../config/queues.json', import.meta.url));
export const queueConfig = QueueConfig.load(QUEUES_FILE);

export interface SimulatedRunOptions {
  seed: number;
  start: number;
  durationMs: number;
  faults?: Omit<FaultOptions, 'seed'>;
  /** Simulated ms per wall ms while producing; unset is as fast as possible. */
  speed?: number;
  /**
   * The run's "now": nothing the transport would hand on after it is produced, and the run stops
   * there, so the traffic ends as on a live floor, with calls still waiting and agents on calls.
   * Unset, the run drains (calls in progress at the end run on, past `start + durationMs`).
   */
  endAt?: number;
  /** Called with the run's producer once it is connected, before anything is sent: a test can watch its sends. */
  onProducer?: (producer: Producer) => void;
  /**
   * Holds production at simulated instants until the test lets it go on: the first record emitted at
   * or after `at` waits for `until`. A test that restarts a consumer between gates knows records are
   * still to come after each restart, however slow the machine.
   */
  gates?: readonly { at: number; until: Promise<unknown> }[];
}

/** What a simulated run produced. */
export interface SimulatedRun {
  /** The clean ground truth, up to `endAt`. */
  truth: CanonicalEvent[];
  /** The intact events produced to Kafka, in order, duplicates and reordered ones included (corrupt records go to the DLQ, so not here). */
  delivered: CanonicalEvent[];
}

/** Produces a simulated run with faults to the stack's topics. */
export async function produceSimulatedRun(stack: TestStack, options: SimulatedRunOptions): Promise<SimulatedRun> {
  const loaded = await loadSimulatorConfig(DEFAULT_CONFIG_PATH);
  // A flat profile: the same volume whatever the hour the suite runs at.
  const config = { ...loaded, tenants: loaded.tenants.map((t) => ({ ...t, profile: 'flat' as const })) };
  // Retries for minutes, not the client's default ~10 s: a killed broker that was also the active
  // KRaft controller took 8.8 s to be fenced here (an election first), and kafkajs tries the dead
  // leader once more on stale metadata; an idempotent producer that gives up may leave its sequence
  // numbers behind what the broker holds (decision 0007, "Kafka broker loss").
  const producer = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1, retry: { retries: 30 } });
  await producer.connect();
  options.onProducer?.(producer);
  const endAt = options.endAt ?? Infinity;
  const stop = new AbortController();
  const kafka = createKafkaSink({ producer, codec: stack.codec });
  const delivered: CanonicalEvent[] = [];
  const gates = [...(options.gates ?? [])].sort((a, b) => a.at - b.at);
  const upToEnd: EventSink = {
    async write(item) {
      // Records come in emission order: the first one past the end ends the run.
      if (item.emitAt > endAt) return stop.abort();
      while (gates.length > 0 && item.emitAt >= gates[0]!.at) await gates.shift()!.until;
      if (item.kind === 'event') delivered.push(item.event);
      await kafka.write(item);
    },
    close: () => kafka.close(),
  };
  const truth = createMemorySink();
  try {
    await runSimulation({
      config,
      seed: options.seed,
      start: options.start,
      durationMs: options.durationMs,
      signal: stop.signal,
      ...(options.speed === undefined ? {} : { speed: options.speed }),
      ...(options.faults ? { faults: options.faults } : {}),
      sinks: { faulty: [upToEnd], truth },
    });
  } finally {
    await producer.disconnect();
  }
  return { truth: truth.items.map((i) => i.event).filter((e) => Date.parse(e.occurredAt) <= endAt), delivered };
}

/** Waits until the group has committed every record of `topics`, by default both event topics. */
export async function waitUntilConsumed(stack: TestStack, groupId: string, timeoutMs = 120_000, topics = inputTopics(stack.topology).map((t) => t.name)): Promise<void> {
  const admin = stack.kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      `group ${groupId} to consume everything`,
      async () => {
        for (const topic of topics) {
          const ends = await admin.fetchTopicOffsets(topic);
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          for (const end of ends) {
            const done = committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
            if (end.high !== '0' && BigInt(done) < BigInt(end.high)) return undefined;
          }
        }
        return true;
      },
      timeoutMs,
      500,
    );
  } finally {
    await admin.disconnect();
  }
}

/** The environment for a child process of the suite: this one's, pointed at the test infra. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CB_KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    CB_REGISTRY_URL: infra.registryUrl,
    CB_REDIS_MODE: infra.redis.mode,
    CB_REDIS_URL: infra.redis.urls.join(','),
    CB_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** An aggregator in its own process, as `callboard run aggregator` starts it; killable with SIGKILL. */
export function spawnAggregator(stack: TestStack, extraEnv: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/aggregator/src/main.ts'], {
    cwd: REPO_ROOT,
    // Its logs (stdout) only when asked for: CB_TEST_VERBOSE=1 shows what it did through a kill or a failover.
    stdio: ['ignore', process.env.CB_TEST_VERBOSE ? 'pipe' : 'ignore', 'pipe'],
    env: childEnv({ CB_TOPIC_PREFIX: stack.prefix, CB_QUEUES_FILE: QUEUES_FILE, CB_AGGREGATOR_HTTP_PORT: '0', ...extraEnv }),
  });
  for (const out of [child.stdout, child.stderr]) {
    out?.on('data', (d: Buffer) => {
      if (process.env.CB_TEST_VERBOSE) process.stderr.write(d);
    });
  }
  return child;
}

export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * An in-process aggregator on the stack's topics with the production defaults (grace 2 h, skew
 * 5 min, 1 s snapshots) and group `<prefix>agg`; not started.
 */
export function testAggregator(stack: TestStack, store: WindowStore, overrides: Partial<AggregatorDeps> = {}): Aggregator {
  return createAggregator({
    kafka: stack.kafka,
    codec: stack.codec,
    store,
    queues: queueConfig,
    logger: stack.logger,
    metrics: createMetricsRegistry('test'),
    groupId: `${stack.prefix}agg`,
    graceMs: 2 * 3600_000,
    maxSkewMs: 5 * 60_000,
    snapshotIntervalMs: 1000,
    ...overrides,
  });
}

/**
 * An in-process alerter on the stack's topics with quick test timings (tick 200 ms, dispatch 100 ms,
 * webhook retries from 100 ms) and group `<prefix>alerter`; not started.
 */
export function testAlerter(stack: TestStack, store: AlertStore, rules: RulesFile, overrides: Partial<AlerterDeps> = {}): Alerter {
  return createAlerter({
    kafka: stack.kafka,
    codec: stack.codec,
    store,
    rules: () => rules,
    logger: stack.logger,
    metrics: createMetricsRegistry('test'),
    groupId: `${stack.prefix}alerter`,
    tickMs: 200,
    webhook: { timeoutMs: 2000, maxAttempts: 5, backoff: { initialDelayMs: 100, maxDelayMs: 1000 } },
    dispatchIntervalMs: 100,
    ...overrides,
  });
}
