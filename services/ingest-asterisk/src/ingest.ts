import { watch, type FSWatcher } from 'node:fs';
import type { Kafka, Producer } from 'kafkajs';
import { backoffDelay, CallboardError, isCallboardError } from '@callboard/errors';
import { type CanonicalEvent, type EncodedRecord, type EventCodec, occurredAtMs } from '@callboard/events';
import {
  type AmiMapper,
  type AsteriskMapperOptions,
  createAmiMapper,
  createQueueLogMapper,
  type MapOutcome,
  parseQueueLogLine,
  type QueueLogMapper,
} from '@callboard/ingest-asterisk';
import { DlqPublisher, type Logger, type RefusedRecord, type Registry, sendEncodedRecords, type SourceHeartbeats, startSourceHeartbeats } from '@callboard/runtime';
import { AmiClient } from './ami-client.js';
import type { AmiConfig } from './config.js';
import type { FilePosition } from './file-position.js';
import { createAsteriskIngestMetrics, type AsteriskIngestMetrics } from './metrics.js';
import { type IngestState, StateStore } from './state-store.js';
import { createStartSkippedCounter, decide, endPositionOf, endSkip, holdBack, isStartDecision, type StartDecision, type StartFrom } from './start-from.js';
import { QueueLogTailer, type TailLine, type TailStep } from './tailer.js';

export interface AsteriskIngestDeps {
  kafka: Kafka;
  codec: EventCodec;
  logger: Logger;
  metrics: Registry;
  /** The queue_log to tail. */
  queueLog: string;
  /** Where the position and the mappers' state are kept (one directory per queue_log). */
  stateDir: string;
  /** Tenant, server id, names, wrap-up, callerKey secret; `agentStates` is set here from whether AMI is on. */
  mapping: Omit<AsteriskMapperOptions, 'agentStates'>;
  /** AMI, when on: it gives the agent states, queue_log the calls. */
  ami?: AmiConfig;
  /** Where to start when no position is saved (a saved position always wins); default `beginning`. */
  startFrom?: StartFrom;
  /** How often the file is looked at without a change notification; default 1000 ms. */
  pollMs?: number;
  /** Lines per produced chunk; default 500. */
  chunkLines?: number;
  /** Backoff between retries of a failed chunk or reconnects. */
  retry?: { initialDelayMs: number; maxDelayMs: number };
  /** A failure retrying cannot fix (a bug): the service exits non-zero. */
  onFatal?: (err: unknown) => void;
}

export interface AsteriskIngest {
  start(): Promise<void>;
  /** Stops after the chunk in flight is committed. */
  close(): Promise<void>;
  /** Kafka connected and the tail running. */
  isReady(): boolean;
  /** The committed position (tests and the ops endpoint). */
  position(): FilePosition | undefined;
}

const SERVICE = 'ingest-asterisk';

/** Fs errors (a file not readable yet, a full disk) and retriable callboard errors are retried; anything else is a bug. */
function isRetriableFailure(err: unknown): boolean {
  if (isCallboardError(err)) return err.retriable;
  return typeof (err as NodeJS.ErrnoException)?.code === 'string' && (err as NodeJS.ErrnoException).syscall !== undefined;
}

/**
 * The Asterisk adapter (issue 10 item 2): tails queue_log, maps each line with
 * `@callboard/ingest-asterisk`, produces each chunk of events (acks=all, idempotent, one send per
 * partition) and only then saves the position and the mapper's state, atomically. After a crash the
 * lines after the saved position are read again and map to the same eventIds, so the aggregator's
 * dedupe counts them once: nothing lost, nothing counted twice.
 */
export function createAsteriskIngest(deps: AsteriskIngestDeps): AsteriskIngest {
  const log = deps.logger.child({ module: 'ingest-asterisk' });
  const metrics: AsteriskIngestMetrics = createAsteriskIngestMetrics(deps.metrics, { ami: deps.ami !== undefined });
  const pollMs = deps.pollMs ?? 1000;
  const backoff = deps.retry ?? { initialDelayMs: 200, maxDelayMs: 30_000 };
  const mapperOptions: AsteriskMapperOptions = { ...deps.mapping, agentStates: deps.ami === undefined };
  const store = new StateStore(deps.stateDir);
  const tailer = new QueueLogTailer({ path: deps.queueLog, maxLines: deps.chunkLines ?? 500 });
  const producer: Producer = deps.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  const dlq = new DlqPublisher(producer, deps.codec, SERVICE, deps.metrics);

  let kafkaConnected = false;
  producer.on(producer.events.CONNECT, () => (kafkaConnected = true));
  producer.on(producer.events.DISCONNECT, () => (kafkaConnected = false));

  /** What was last saved: the tail restarts from here after any failure. */
  let committed: Omit<IngestState, 'version' | 'savedAt' | 'queueLog' | 'startFrom'> & { startFrom?: StartDecision } = {};
  /** The start decision as the lines read since the last commit left it (back to the committed one after a failure). */
  let decision: StartDecision | undefined;
  /** With `end`: the position after the file's last line at the first start. */
  let endAt: FilePosition | undefined;
  const startSkipped = createStartSkippedCounter(deps.metrics);
  let mapper: QueueLogMapper;
  let amiMapper: AmiMapper | undefined;
  let ami: AmiClient | undefined;
  let watcher: FSWatcher | undefined;
  let heartbeats: SourceHeartbeats | undefined;
  /** The canonical `source` of this feed, as the mapper writes it (issue 10 item 5: its heartbeat). */
  const source = deps.mapping.source ?? `asterisk:${deps.mapping.serverId}`;
  let running = false;
  let loop: Promise<void> | undefined;
  let dirty = false;
  let wake: (() => void) | undefined;
  const stopping = new AbortController();

  function kick(): void {
    dirty = true;
    wake?.();
  }

  /** Until the folder changes, the poll interval passes, or close. */
  function changed(): Promise<void> {
    if (dirty || stopping.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      }
      stopping.signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Encodes events for Kafka; one the contract refuses goes to the DLQ instead of stopping the feed. */
  async function encode(events: readonly CanonicalEvent[], refused: RefusedRecord[], origin: { topic: string; offset: string }): Promise<EncodedRecord[]> {
    const records: EncodedRecord[] = [];
    for (const event of events) {
      try {
        records.push(await deps.codec.encodeEvent(event));
      } catch (err) {
        // Only an event the contract refuses is the data's fault; a schema the registry lacks is a
        // deployment's (topics not provisioned), and throws: nothing of the chunk is committed.
        if (!isCallboardError(err, 'CB_EVENT_INVALID')) throw err;
        refused.push({ source: { ...origin, partition: 0 }, key: null, value: Buffer.from(JSON.stringify(event)), error: err });
      }
    }
    return records;
  }

  /** Sends events and refusals and waits for Kafka's acknowledgement of all of them. */
  async function produce(records: readonly EncodedRecord[], refused: readonly RefusedRecord[]): Promise<void> {
    try {
      await sendEncodedRecords(producer, deps.codec.topology, records);
    } catch (err) {
      if (isCallboardError(err)) throw err;
      throw new CallboardError('CB_KAFKA_UNAVAILABLE', `ingest-asterisk could not produce: ${(err as Error).message}`, { cause: err, retriable: true });
    }
    await dlq.publish([...refused]);
  }

  function countOutcome(outcome: MapOutcome, feed: 'queue_log' | 'ami'): void {
    if (outcome.skipped) metrics.skipped.inc({ kind: outcome.skipped, feed });
    for (const event of outcome.events) {
      metrics.events.inc({ type: event.type, feed });
      metrics.noteEventAt(occurredAtMs(event));
      heartbeats?.noteEvent(event.tenantId, event.source ?? source, occurredAtMs(event));
    }
  }

  /** Maps, produces and commits one chunk of lines. */
  async function apply(step: Extract<TailStep, { kind: 'lines' }>): Promise<void> {
    const events: CanonicalEvent[] = [];
    const refused: RefusedRecord[] = [];
    const outcomes: MapOutcome[] = [];
    const results: ('mapped' | 'invalid' | 'blank')[] = [];
    const origin = (line: TailLine) => ({ topic: `queue_log:${step.file}`, offset: String(line.lineNo) });
    const refuse = (line: TailLine, error: CallboardError) => {
      refused.push({ source: { ...origin(line), partition: 0 }, key: null, value: Buffer.from(line.raw), error });
      metrics.refused.inc({ code: error.code, feed: 'queue_log' });
    };
    for (const line of step.lines) {
      if (line.raw.trim() === '') {
        results.push('blank');
        continue;
      }
      const parsed = parseQueueLogLine(line.raw);
      if (decision?.skipping) {
        if (!parsed.ok || parsed.line.epochSec * 1000 < decision.cutoffMs!) {
          // Before the lookback: the mapper learns the state, nothing is produced (`callboard import asterisk` is for history).
          const kept = parsed.ok ? holdBack(decision, mapper.map(parsed.line).events) : [];
          outcomes.push({ events: kept });
          events.push(...kept);
          startSkipped.inc({ kind: 'lookback' });
          continue;
        }
        const caughtUp = endSkip(decision, deps.mapping.serverId);
        log.info({ cutoff: new Date(decision.cutoffMs!).toISOString(), line: line.lineNo, members: caughtUp.length }, 'start: the lines before the lookback were read for the state only; producing from here');
        outcomes.push({ events: caughtUp });
        events.push(...caughtUp);
      }
      if (!parsed.ok) {
        refuse(line, parsed.error);
        results.push('invalid');
        continue;
      }
      const outcome = mapper.map(parsed.line);
      if (outcome.error) refuse(line, outcome.error);
      results.push(outcome.error && outcome.events.length === 0 ? 'invalid' : 'mapped');
      outcomes.push(outcome);
      events.push(...outcome.events);
    }
    const last = step.lines.at(-1);
    const records = await encode(events, refused, last ? origin(last) : { topic: `queue_log:${step.file}`, offset: String(step.to.lineNo) });
    await produce(records, refused);
    await commit(step.to);
    for (const r of results) metrics.lines.inc({ result: r });
    for (const o of outcomes) countOutcome(o, 'queue_log');
    if (refused.length > 0) log.warn({ file: step.file, lines: refused.map((r) => Number(r.source.offset)), codes: [...new Set(refused.map((r) => r.error.code))] }, 'lines sent to the DLQ');
  }

  async function commit(position: FilePosition): Promise<void> {
    const next = {
      position,
      queueLogMapper: mapper.snapshot(),
      ...(amiMapper ? { amiMapper: amiMapper.snapshot() } : {}),
      ...(decision ? { startFrom: structuredClone(decision) } : {}),
    };
    await store.save({ queueLog: deps.queueLog, ...next });
    committed = next;
  }

  /** The end of the file reached while still before the lookback (a quiet PBX): the members' states are produced now. */
  async function endSkipAtEnd(): Promise<void> {
    const refused: RefusedRecord[] = [];
    const caughtUp = endSkip(decision!, deps.mapping.serverId);
    await produce(await encode(caughtUp, refused, { topic: `queue_log:${committed.position!.name}`, offset: String(committed.position!.lineNo) }), refused);
    await commit(committed.position!);
    countOutcome({ events: caughtUp }, 'queue_log');
    log.info({ cutoff: new Date(decision!.cutoffMs!).toISOString(), members: caughtUp.length }, 'start: the whole file is before the lookback; read for the state only');
  }

  async function tail(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      try {
        dirty = false;
        let step = await tailer.next(committed.position);
        if (step.kind === 'switched' && !committed.position && endAt && endAt.ino === step.to.ino && endAt.dev === step.to.dev) {
          // CB_ASTERISK_START_FROM=end: the file as it was at the first start is not read.
          log.info({ file: endAt.name, line: endAt.lineNo, offset: endAt.offset }, 'start: from the end of the file (lines before it are not read)');
          startSkipped.inc({ kind: 'end' }, endAt.lineNo);
          step = { ...step, to: endAt };
        }
        if (step.kind === 'lines') {
          const movedTo = step.lines.length === 0 && step.file !== committed.position?.name;
          await apply(step);
          if (movedTo) {
            metrics.rotations.inc({ kind: 'copy' });
            log.info({ to: step.file, line: step.to.lineNo }, 'the file read before is now under another name (rotated, or a copytruncate copy); reading it to its end');
          }
        } else if (step.kind === 'switched' || step.kind === 'truncated') {
          const kind = step.kind === 'truncated' ? 'truncated' : step.lost ? 'lost' : committed.position ? 'rotated' : undefined;
          if (kind) {
            metrics.rotations.inc({ kind });
            const where = { from: committed.position?.name, fromLine: committed.position?.lineNo, to: step.to.name };
            if (kind === 'rotated') log.info(where, 'queue_log rotated; the old file is read to its end, going on with the new one');
            else log.warn(where, kind === 'lost' ? 'the file read before is gone and no copy was found; lines written to it after the last save may be lost' : 'queue_log was truncated in place and no copy was found; starting it over (lines written between the last read and the truncation are lost)');
          }
          await commit(step.to);
        } else if (decision?.skipping && committed.position && !step.waitingForFile) {
          await endSkipAtEnd();
        } else {
          metrics.lagBytes.set(step.lagBytes);
          if (step.waitingForFile && failures === 0) log.debug({ file: deps.queueLog }, 'waiting for the queue_log to appear');
          await changed();
        }
        if (step.kind !== 'idle') metrics.lagBytes.set(await tailer.lagBytes(committed.position));
        failures = 0;
      } catch (err) {
        if (stopping.signal.aborted) break;
        // Back to the last commit: the mapper's state must match the position the lines are read again from.
        mapper = createQueueLogMapper(mapperOptions, committed.queueLogMapper);
        if (committed.startFrom) decision = structuredClone(committed.startFrom);
        if (!isRetriableFailure(err)) {
          log.error({ err }, 'ingest-asterisk cannot go on');
          deps.onFatal?.(err);
          return;
        }
        const delayMs = backoffDelay(failures, backoff);
        failures += 1;
        metrics.failures.inc({ code: isCallboardError(err) ? err.code : ((err as NodeJS.ErrnoException).code ?? 'unknown') });
        log.warn({ err: { code: (err as CallboardError).code, message: (err as Error).message }, attempt: failures, delayMs }, 'chunk not committed; reading it again after a pause');
        await tailer.close();
        await pause(delayMs);
      }
    }
  }

  /** AMI events: mapped and produced as they come (no position to keep: AMI is live only). */
  async function onAmiEvent(message: Record<string, string>, seq: number): Promise<void> {
    const outcome = amiMapper!.map(message);
    const refused: RefusedRecord[] = [];
    const origin = { topic: `ami:${deps.ami!.host}:${deps.ami!.port}`, offset: String(seq) };
    if (outcome.error) {
      refused.push({ source: { ...origin, partition: 0 }, key: null, value: Buffer.from(JSON.stringify(message)), error: outcome.error });
      metrics.refused.inc({ code: outcome.error.code, feed: 'ami' });
    }
    for (let attempt = 0; !stopping.signal.aborted; attempt += 1) {
      try {
        await produce(await encode(outcome.events, refused, origin), refused);
        break;
      } catch (err) {
        if (!isRetriableFailure(err)) throw err;
        await pause(backoffDelay(attempt, backoff));
      }
    }
    countOutcome(outcome, 'ami');
  }

  return {
    async start() {
      const saved = await store.load(deps.queueLog);
      committed = saved ? { position: saved.position, queueLogMapper: saved.queueLogMapper, amiMapper: saved.amiMapper } : {};
      if (saved && isStartDecision(saved.startFrom)) committed.startFrom = saved.startFrom;
      // A saved state always wins (one saved before CB_ASTERISK_START_FROM existed read from the beginning);
      // otherwise decide now, once: the decision is saved with the first committed position.
      decision = saved ? (committed.startFrom && structuredClone(committed.startFrom)) : decide(deps.startFrom ?? { kind: 'beginning' }, Date.now());
      endAt = !saved && decision?.kind === 'end' ? await endPositionOf(deps.queueLog) : undefined;
      mapper = createQueueLogMapper(mapperOptions, committed.queueLogMapper);
      await producer.connect();
      // The feed's heartbeat: a wallboard tells a quiet PBX from a dead adapter (issue 10 item 5).
      heartbeats = await startSourceHeartbeats({ producer, codec: deps.codec, logger: deps.logger, metrics: deps.metrics });
      heartbeats.track(deps.mapping.tenantId, source);
      log.info({ file: deps.queueLog, from: committed.position ? { line: committed.position.lineNo, offset: committed.position.offset } : (decision?.kind ?? 'beginning'), ami: deps.ami !== undefined }, 'tailing queue_log');
      try {
        watcher = watch(tailer.directory, { persistent: false }, () => kick());
        watcher.on('error', () => undefined);
      } catch {
        // No folder yet, or no inotify: the poll still looks every pollMs.
      }
      running = true;
      loop = tail().finally(() => (running = false));
      if (deps.ami) {
        // AMI is the one source of agent states; queue_log's mapper has agentStates: false.
        amiMapper = createAmiMapper({ ...deps.mapping, agentStates: true }, committed.amiMapper);
        metrics.amiConnected?.set(0);
        let seq = 0;
        ami = new AmiClient({
          ...deps.ami,
          logger: deps.logger,
          onEvent: (message) => onAmiEvent(message, ++seq),
          onConnection: (up) => metrics.amiConnected?.set(up ? 1 : 0),
          initialDelayMs: backoff.initialDelayMs,
          maxDelayMs: backoff.maxDelayMs,
        });
        ami.start();
      }
    },
    async close() {
      stopping.abort();
      kick();
      watcher?.close();
      await ami?.close();
      await loop;
      await tailer.close();
      await heartbeats?.stop();
      await producer.disconnect();
    },
    isReady: () => kafkaConnected && running,
    position: () => committed.position,
  };
}
