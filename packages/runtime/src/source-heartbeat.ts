import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { CallboardError } from '@callboard/errors';
import { type EventCodec, IDENTIFIER_PATTERN, sourceHeartbeatKey, type SourceHeartbeatRecord } from '@callboard/events';
import { Counter, type Registry } from 'prom-client';
import { sendByPartition } from './keyed-send.js';
import type { Logger } from './logger.js';

/** How often a source says it is alive unless told otherwise (docs/decisions/0008-source-freshness.md). */
export const SOURCE_HEARTBEAT_INTERVAL_MS = 10_000;

/** A source that has produced nothing for this long stops sending heartbeats for it ({@link SourceHeartbeats}). */
export const SOURCE_HEARTBEAT_FORGET_MS = 15 * 60_000;

export interface SourceHeartbeatsOptions {
  /** A connected producer the caller owns (not disconnected by `stop`), or … */
  producer?: Producer;
  /** … a Kafka client to make an idempotent producer from, connected at start and disconnected by `stop`. */
  kafka?: Kafka;
  codec: EventCodec;
  logger: Logger;
  /** Counts heartbeats sent and failed, when given (`callboard_source_heartbeats_total`). */
  metrics?: Registry;
  /** Default {@link SOURCE_HEARTBEAT_INTERVAL_MS}. */
  intervalMs?: number;
  /**
   * A (tenant, source) noted through `noteEvent` but silent this long is dropped from the beats: an
   * HTTP client that stopped posting must look silent, not alive. Default {@link SOURCE_HEARTBEAT_FORGET_MS}.
   * Sources given to `track` are never forgotten.
   */
  forgetAfterMs?: number;
  /** Wall clock; injectable for tests. */
  now?: () => number;
}

/** Heartbeats of any number of (tenant, source) pairs of one process. */
export interface SourceHeartbeats {
  /** Beats for (tenantId, source) from now on, events or not (an adapter's own feed). */
  track(tenantId: string, source: string): void;
  /**
   * An event of (tenantId, source) with this occurredAt was produced (acknowledged by Kafka). Never
   * throws: a pair that cannot be a heartbeat key (an empty source) is ignored, so a request handler
   * can call it for whatever its clients send.
   */
  noteEvent(tenantId: string, source: string, occurredAtMs: number): void;
  /** Sends one heartbeat per tracked source now; resolves when Kafka acknowledged them. */
  beat(): Promise<void>;
  /** Stops the timer (no last heartbeat: a stopped source goes silent and shows as such). */
  stop(): Promise<void>;
}

interface Tracked {
  tenantId: string;
  source: string;
  newestEventAt?: number;
  eventsSent: number;
  lastEventNotedAt: number;
  pinned: boolean;
}

function validSource(tenantId: string, source: string): boolean {
  return IDENTIFIER_PATTERN.test(tenantId) && source.length > 0 && source.length <= 128;
}

function checkSource(tenantId: string, source: string): void {
  if (!IDENTIFIER_PATTERN.test(tenantId)) throw new CallboardError('CB_USAGE', `heartbeat tenantId ${JSON.stringify(tenantId)} must match [A-Za-z0-9_.-]{1,64}`);
  if (source.length === 0 || source.length > 128) throw new CallboardError('CB_USAGE', 'heartbeat source must be 1 to 128 characters (the events\' `source` field)');
}

/**
 * Starts heartbeats on `cc.source-status.v1` (issue 10 item 5): every `intervalMs`, one record per
 * tracked (tenant, source) with the source's clock and the occurredAt of the newest event it produced,
 * whether or not events flow, so a quiet night reads as alive and a dead adapter as silent. The first
 * beat goes out at once. A failed send is logged and counted and the next beat tries again: a
 * heartbeat never stops the feed it reports on.
 */
export async function startSourceHeartbeats(options: SourceHeartbeatsOptions): Promise<SourceHeartbeats> {
  if (!options.producer && !options.kafka) throw new CallboardError('CB_USAGE', 'startSourceHeartbeats needs a producer or a kafka client');
  const log = options.logger.child({ module: 'source-heartbeat' });
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? SOURCE_HEARTBEAT_INTERVAL_MS;
  const forgetAfterMs = options.forgetAfterMs ?? SOURCE_HEARTBEAT_FORGET_MS;
  const instanceId = randomUUID();
  const topic = options.codec.topology.sourceStatus.name;
  const owned = options.producer ? undefined : options.kafka!.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  const producer = options.producer ?? owned!;
  const counter = options.metrics
    ? ((options.metrics.getSingleMetric('callboard_source_heartbeats_total') as Counter<'result'> | undefined) ??
      new Counter({ name: 'callboard_source_heartbeats_total', help: 'Source heartbeats sent to cc.source-status.v1, by result (sent, failed).', labelNames: ['result'], registers: [options.metrics] }))
    : undefined;
  const tracked = new Map<string, Tracked>();
  let inFlight: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  let stopped = false;

  function entry(tenantId: string, source: string, pinned: boolean): Tracked {
    const key = sourceHeartbeatKey(tenantId, source);
    let t = tracked.get(key);
    if (!t) {
      checkSource(tenantId, source);
      t = { tenantId, source, eventsSent: 0, lastEventNotedAt: now(), pinned };
      tracked.set(key, t);
    }
    t.pinned ||= pinned;
    return t;
  }

  async function send(): Promise<void> {
    const at = now();
    const records: SourceHeartbeatRecord[] = [];
    for (const [key, t] of tracked) {
      if (!t.pinned && at - t.lastEventNotedAt > forgetAfterMs) {
        tracked.delete(key);
        continue;
      }
      records.push({
        tenantId: t.tenantId,
        source: t.source,
        sentAt: new Date(at).toISOString(),
        ...(t.newestEventAt === undefined ? {} : { newestEventAt: new Date(t.newestEventAt).toISOString() }),
        eventsSent: t.eventsSent,
        intervalMs,
        instanceId,
      });
    }
    if (records.length === 0) return;
    try {
      const messages = await Promise.all(records.map(async (r) => ({ key: sourceHeartbeatKey(r.tenantId, r.source), value: await options.codec.encode(topic, { ...r }) })));
      await sendByPartition(producer, options.codec.topology, topic, messages);
      counter?.inc({ result: 'sent' }, records.length);
    } catch (err) {
      counter?.inc({ result: 'failed' }, records.length);
      throw new CallboardError('CB_KAFKA_UNAVAILABLE', `cannot send source heartbeats to ${topic}: ${(err as Error).message}`, { cause: err, retriable: true });
    }
  }

  /**
   * One send at a time: a slow broker must not pile sends up. A beat asked for while one is in flight
   * goes out after it, with the state as it is then; several such asks share that one follow-up.
   */
  function beat(): Promise<void> {
    if (next) return next;
    const run = (): Promise<void> => {
      const p = send().finally(() => {
        if (inFlight === p) inFlight = undefined;
      });
      inFlight = p;
      return p;
    };
    if (!inFlight) return run();
    next = inFlight
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return run();
      });
    return next;
  }

  if (owned) await owned.connect();
  const timer = setInterval(() => {
    if (stopped) return;
    beat().catch((err: unknown) => log.warn({ err }, 'source heartbeat not sent; the next one retries'));
  }, intervalMs);
  timer.unref();

  return {
    track(tenantId, source) {
      entry(tenantId, source, true);
      if (!stopped) void beat().catch((err: unknown) => log.warn({ err }, 'source heartbeat not sent; the next one retries'));
    },
    noteEvent(tenantId, source, occurredAtMs) {
      if (!validSource(tenantId, source)) return;
      const t = entry(tenantId, source, false);
      t.eventsSent += 1;
      t.lastEventNotedAt = now();
      if (Number.isFinite(occurredAtMs) && (t.newestEventAt === undefined || occurredAtMs > t.newestEventAt)) t.newestEventAt = occurredAtMs;
    },
    beat,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await next?.catch(() => undefined);
      await inFlight?.catch(() => undefined);
      await owned?.disconnect();
    },
  };
}

export interface SourceHeartbeatOptions extends SourceHeartbeatsOptions {
  tenantId: string;
  /** The `source` its events carry, e.g. `asterisk:pbx1`. */
  source: string;
}

/** The heartbeat of one (tenant, source); see {@link startSourceHeartbeats}. */
export interface SourceHeartbeat {
  /** An event with this occurredAt (epoch ms) was produced and acknowledged. */
  noteEvent(occurredAtMs: number): void;
  /** Sends a heartbeat now. */
  beat(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Heartbeats for one source, e.g. a PBX adapter's feed: beats from the start, whether or not events
 * flow. Call `noteEvent(occurredAtMs)` after each produced event (cheap: a number kept in memory).
 *
 * @example
 * const hb = await startSourceHeartbeat({ producer, codec, logger, tenantId: 'acme', source: 'asterisk:pbx1' });
 * // after Kafka acknowledged an event:
 * hb.noteEvent(Date.parse(event.occurredAt));
 * // on shutdown:
 * await hb.stop();
 */
export async function startSourceHeartbeat(options: SourceHeartbeatOptions): Promise<SourceHeartbeat> {
  checkSource(options.tenantId, options.source);
  const beats = await startSourceHeartbeats(options);
  beats.track(options.tenantId, options.source);
  return {
    noteEvent: (occurredAtMs) => beats.noteEvent(options.tenantId, options.source, occurredAtMs),
    beat: () => beats.beat(),
    stop: () => beats.stop(),
  };
}
