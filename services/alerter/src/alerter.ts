import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { RulesFile } from '@callboard/alerts';
import { CallboardError } from '@callboard/errors';
import type { EventCodec } from '@callboard/events';
import { createEventConsumer, type EventConsumer, type Logger, type RecordDecoder, type Registry } from '@callboard/runtime';
import type { KpiView } from '@callboard/windows';
import type { AlertStore } from './alert-store.js';
import { DeliveryWorker } from './delivery-worker.js';
import { Dispatcher } from './dispatcher.js';
import { Evaluator } from './evaluator.js';
import { type AlerterMetrics, createAlerterMetrics } from './metrics.js';
import { NotifyStore } from './notify-store.js';
import { type ComplaintSource, ReminderEvaluator } from './reminders.js';

export interface AlerterDeps {
  kafka: Kafka;
  codec: EventCodec;
  store: AlertStore;
  rules: () => RulesFile;
  logger: Logger;
  metrics: Registry;
  groupId: string;
  /** Wall-clock evaluation tick, so forMs and nodata advance without snapshots. */
  tickMs: number;
  webhook: { timeoutMs: number; maxAttempts: number; backoff: { initialDelayMs: number; maxDelayMs: number } };
  /** How often the lease holder drains the outbox and sends due webhooks. */
  dispatchIntervalMs?: number;
  /** How long the dispatch lease lasts without renewal (default 5 s); the holder renews it every dispatch interval. */
  leaseMs?: number;
  now?: () => number;
  onFatal?: (err: unknown) => void;
  /** Metrics already made on `metrics` (the service shares them with the rules source). */
  alerterMetrics?: AlerterMetrics;
  /**
   * The live store's complaint reads, for complaint reminders (docs/alerts.md); without it, reminder
   * rules load but send nothing.
   */
  complaints?: ComplaintSource;
}

export interface Alerter {
  start(): Promise<void>;
  close(): Promise<void>;
  isReady(): boolean;
  metrics: AlerterMetrics;
  evaluator: Evaluator;
  /** Undefined without `complaints`. */
  reminders: ReminderEvaluator | undefined;
  dispatcher: Dispatcher;
  worker: DeliveryWorker;
}

const LEASE_MS = 5_000;

/**
 * A KPI snapshot from cc.kpi.v1, checked for the fields evaluation reads. A tenant total
 * (`queueId: null`, no planning) decodes with neither key (the Avro decoder drops top-level nulls):
 * an absent queueId or planning is read as null.
 */
function snapshotDecoder(codec: EventCodec): RecordDecoder<KpiView> {
  return async (value) => {
    const decoded = await codec.decode(value);
    if (!decoded.ok) return decoded;
    const raw = decoded.value as Partial<Record<keyof KpiView, unknown>>;
    const queueId = raw.queueId ?? null;
    const planning = raw.planning ?? null;
    const ok =
      typeof raw.tenantId === 'string' &&
      (typeof queueId === 'string' || queueId === null) &&
      typeof raw.at === 'string' &&
      Array.isArray(raw.windows) &&
      typeof raw.live === 'object' &&
      raw.live !== null &&
      (typeof planning === 'object' && (planning !== null || queueId === null));
    return ok
      ? { ok: true, event: { ...raw, queueId, planning } as KpiView }
      : { ok: false, error: new CallboardError('CB_EVENT_INVALID', 'not a KPI snapshot: tenantId, queueId (null or absent for a tenant total), at, windows, live and planning (a queue’s) are required') };
  };
}

/**
 * The alerter (DESIGN §6): evaluates rules on every KPI snapshot and on a tick, keeps alert state in
 * Redis, publishes changes to cc.alerts.v1 and sends grouped webhook notifications from an outbox.
 * Evaluation is spread over instances by Kafka partition; one instance at a time (a Redis lease
 * with a fencing token) dispatches, and each delivery is claimed before it is sent, so a page is
 * sent once.
 */
export function createAlerter(deps: AlerterDeps): Alerter {
  const log = deps.logger.child({ module: 'alerter' });
  const now = deps.now ?? Date.now;
  const metrics = deps.alerterMetrics ?? createAlerterMetrics(deps.metrics);
  const instanceId = randomUUID();
  const notify = new NotifyStore(deps.store);
  const producer = deps.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  const evaluator = new Evaluator({ store: deps.store, rules: deps.rules, logger: log, metrics, now });
  const reminders = deps.complaints ? new ReminderEvaluator({ store: deps.store, complaints: deps.complaints, rules: deps.rules, logger: log, metrics, now }) : undefined;
  const dispatcher = new Dispatcher({ store: deps.store, notify, producer, codec: deps.codec, rules: deps.rules, logger: log, now });
  const worker = new DeliveryWorker({ notify, rules: deps.rules, logger: log, metrics, now, ...deps.webhook });
  let consumer: EventConsumer | undefined;
  const timers: NodeJS.Timeout[] = [];
  let closed = false;

  function loop(name: string, everyMs: number, body: () => Promise<unknown>): void {
    let running = false;
    const timer = setInterval(() => {
      if (running || closed) return;
      running = true;
      body()
        .catch((err: unknown) => log.warn({ err, loop: name }, 'alerter loop failed; next round retries'))
        .finally(() => {
          running = false;
        });
    }, everyMs);
    timers.push(timer);
  }

  return {
    metrics,
    evaluator,
    reminders,
    dispatcher,
    worker,
    isReady: () => consumer?.isHealthy() ?? false,
    async start() {
      await producer.connect();
      consumer = createEventConsumer<KpiView>({
        kafka: deps.kafka,
        codec: deps.codec,
        logger: deps.logger,
        metrics: deps.metrics,
        service: 'alerter',
        groupId: deps.groupId,
        topics: [deps.codec.topology.kpi.name],
        fromBeginning: true,
        decode: snapshotDecoder(deps.codec),
        handleBatch: async (batch) => {
          for (const { event } of batch.events) await evaluator.onSnapshot(event);
        },
        onFatal: deps.onFatal,
      });
      await consumer.start();
      loop('tick', deps.tickMs, () => evaluator.tick());
      if (reminders) loop('reminders', deps.tickMs, () => reminders.tick());
      loop('dispatch', deps.dispatchIntervalMs ?? 250, async () => {
        // Every write of the pass is fenced by this token, so a lease that runs out mid-pass costs a
        // replay by the next holder, never a double send or a lost outbox entry (issue 8 item 11).
        const token = await notify.acquireLease(instanceId, deps.leaseMs ?? LEASE_MS);
        if (token === 0 || closed) return;
        while ((await dispatcher.runOnce(token)) > 0) {
          // drain everything queued before sending
        }
        await worker.runOnce(token);
      });
      log.info({ groupId: deps.groupId, instanceId }, 'alerter started');
    },
    async close() {
      closed = true;
      for (const t of timers) clearInterval(t);
      await worker.close();
      await consumer?.close();
      await producer.disconnect();
    },
  };
}
