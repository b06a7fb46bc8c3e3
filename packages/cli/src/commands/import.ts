import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Producer } from 'kafkajs';
import { CallboardError } from '@callboard/errors';
import { type CanonicalEvent, createJsonLinesWriter, IDENTIFIER_PATTERN, validateEvent } from '@callboard/events';
import { createQueueLogMapper, decodeName, loadNameMap, parseQueueLogLine, type AsteriskMapperOptions, type NameMap } from '@callboard/ingest-asterisk';
import { QueueConfig } from '@callboard/queue-config';
import { createMetricsRegistry, DlqPublisher, type RefusedRecord } from '@callboard/runtime';
import { AsteriskSummary, formatQueueSummary, type QueueSummary } from '../asterisk-summary.js';
import { numberOption, parseCommandArgs, requireFile, requireString, type Command } from '../command.js';
import type { CliContext } from '../context.js';
import { createCliProducer, createEventSender } from '../event-sender.js';
import { loadQueueConfig } from '../queue-file.js';
import { ReorderWindow } from '../reorder-window.js';

/**
 * How far behind the newest queue_log line an event is held before it is written, so the output is
 * in occurredAt order (see ReorderWindow): a minute covers Asterisk's threads writing a second's lines
 * out of order and the wrap-up ends the mapper places ahead of their COMPLETE line.
 */
const REORDER_WINDOW_MS = 60_000;
/** Invalid lines sent to the DLQ per request. */
const DLQ_BATCH = 200;
/** Invalid line numbers listed in the summary; the rest are counted (each was reported as it was read). */
const LISTED_INVALID = 20;
/** The environment variable holding the HMAC-SHA-256 key for `callerKey`, as for the adapter (services/ingest-asterisk). */
const CALLER_KEY_SECRET_VAR = 'CB_ASTERISK_CALLER_KEY_SECRET';
/** The largest `--servicelevel`, seconds (a day; queues.conf takes any integer, none sensible is longer). */
const MAX_SERVICELEVEL_SEC = 86_400;
/** Paths that are the process's stdout, where `--summary json` would mix with the events. */
const STDOUT_PATHS = new Set(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1']);

/** What `import asterisk` counted, printed on stderr at the end (and on stdout as JSON with `--summary json`). */
export interface ImportSummary {
  /** Lines of the file, blank ones included (line numbers count them). */
  lines: number;
  /** Events written or sent, by canonical type. */
  events: Record<string, number>;
  /** queue_log / AMI event kinds the mapper counts and skips (RINGNOANSWER, CONFIGRELOAD, …). */
  skipped: Record<string, number>;
  /** Line numbers that did not parse or map, in file order. */
  invalid: number[];
  /** Per queue, callboard's counters and app_queue's (see asterisk-summary.ts). */
  queues: QueueSummary[];
}

/** app_queue's `servicelevel` as `--servicelevel` gives it: one for every queue and/or some by queue name. */
interface ServicelevelOption {
  all?: number;
  byQueue: Map<string, number>;
}

/** Where the converted events go: a JSON-lines file or Kafka. */
interface EventSink {
  write(event: CanonicalEvent): Promise<void>;
  /** A line that did not parse or map: to the DLQ when sending to Kafka. */
  refuse(lineNo: number, raw: string, error: CallboardError): Promise<void>;
  close(): Promise<void>;
}

export const importCommand: Command = {
  name: 'import',
  summary: 'convert a PBX log to canonical events (asterisk: queue_log), to a file or Kafka',
  usage: `callboard import asterisk --input FILE --tenant T [--server-id S] [--queues-map FILE]
                          [--wrap-up-ms N] [--servicelevel [QUEUE=]S]... [--queues FILE]
                          [--summary text|json] (--out FILE.jsonl | --kafka)

Reads an Asterisk queue_log (epoch|uniqueid|queue|agent|event|data…), streaming,
maps each line with packages/ingest-asterisk, and writes the canonical events as
JSON lines (the form 'callboard produce --input' and 'callboard kpi' read) or
sends them to Kafka (Avro, keyed by callId / agentId, acks=all, idempotent).
Events go out in occurredAt order. Counts go to stderr: lines read, events by
type, skipped queue_log events by kind, invalid lines, and one line per queue
with callboard's counters beside app_queue's own figures as 'queue show'
prints them (C, A, SL, SL2 within servicelevel; docs/ingest/asterisk.md).
A line that does not parse or map is reported as FILE:LINE, sent to cc.dlq.v1
with --kafka, and never stops the import.

Exit codes: 0 every line imported; 1 some line was invalid (the others were
imported) or the import failed (the message names a CB_* code); 2 usage error.

Options:
  --input FILE        the queue_log (required)
  --tenant T          the tenant the events belong to (required)
  --server-id S       the PBX's identity in every eventId and callId (default
                      asterisk); use the adapter's CB_ASTERISK_SERVER_ID so a
                      re-import of what the adapter sent counts once
  --queues-map FILE   JSON {"queues":{name:id},"agents":{name:id}} for names that
                      are not identifiers (else the reversible rule of
                      docs/ingest/asterisk.md)
  --wrap-up-ms N      the queues' wrapuptime in ms, 0 to 3600000 (default 0),
                      as the adapter's CB_ASTERISK_WRAPUP_MS
  --servicelevel S    queues.conf servicelevel in seconds for app_queue's figures;
                      QUEUE=S for one queue (by its Asterisk name), repeatable;
                      default the queue's slThresholdMs
  --queues FILE       queue settings (slThresholdMs) as for kpi (default
                      CB_QUEUES_FILE, else config/queues.json if present)
  --summary json      also print the summary as one JSON object on stdout
                      (text, the default: stderr only)
  --out FILE.jsonl    write JSON lines here
  --kafka             send to Kafka (CB_KAFKA_BROKERS, CB_TOPIC_PREFIX, …)
  -h, --help          this help

${CALLER_KEY_SECRET_VAR}, when set, keys the callerKey hash (never printed).`,
  async run(argv, makeCtx) {
    const { values, positionals } = parseCommandArgs(
      'import',
      argv,
      {
        input: { type: 'string' },
        tenant: { type: 'string' },
        'server-id': { type: 'string' },
        'queues-map': { type: 'string' },
        'wrap-up-ms': { type: 'string' },
        servicelevel: { type: 'string', multiple: true },
        queues: { type: 'string' },
        summary: { type: 'string' },
        out: { type: 'string' },
        kafka: { type: 'boolean' },
      },
      true,
    );
    if (values.help) {
      process.stdout.write(`${this.usage}\n`);
      return 0;
    }
    if (positionals.length !== 1 || positionals[0] !== 'asterisk') {
      throw new CallboardError('CB_USAGE', `import: name the source: 'import asterisk' (got ${positionals.length === 0 ? 'none' : JSON.stringify(positionals.join(' '))})`);
    }
    const input = requireFile('import', 'input', values.input);
    const tenantId = identifierOption('tenant', requireString('import', 'tenant', values.tenant));
    const serverId = identifierOption('server-id', values['server-id'] ?? 'asterisk');
    const wrapUpMs = numberOption('import', 'wrap-up-ms', values['wrap-up-ms'], { min: 0, max: 3600_000, integer: true }) ?? 0;
    if ((values.out === undefined) === (values.kafka !== true)) {
      throw new CallboardError('CB_USAGE', 'import: give exactly one of --out FILE.jsonl and --kafka');
    }
    if (values.out !== undefined && resolve(values.out) === resolve(input)) throw new CallboardError('CB_USAGE', 'import: --out must not be the --input file');
    if (values.out !== undefined && !statSync(dirname(resolve(values.out)), { throwIfNoEntry: false })?.isDirectory()) {
      throw new CallboardError('CB_USAGE', `import: --out ${values.out}: no such directory ${dirname(resolve(values.out))}`);
    }
    const summaryMode = values.summary ?? 'text';
    if (summaryMode !== 'text' && summaryMode !== 'json') throw new CallboardError('CB_USAGE', `import: --summary must be text or json, got ${JSON.stringify(summaryMode)}`);
    if (summaryMode === 'json' && values.out !== undefined && STDOUT_PATHS.has(resolve(values.out))) {
      throw new CallboardError('CB_USAGE', 'import: --summary json prints on stdout; give --out a file');
    }
    const servicelevel = servicelevelOption(values.servicelevel ?? []);
    const queuesFile = values.queues === undefined ? undefined : requireFile('import', 'queues', values.queues);
    const names = values['queues-map'] === undefined ? undefined : readNameMap(requireFile('import', 'queues-map', values['queues-map']));
    const ctx = makeCtx();
    const settings = queueSettings(ctx, queuesFile);
    const secret = ctx.env[CALLER_KEY_SECRET_VAR];
    if (secret !== undefined && secret !== '' && secret.length < 16) throw new CallboardError('CB_CONFIG_INVALID', `import: ${CALLER_KEY_SECRET_VAR} must be at least 16 characters`);
    const options: AsteriskMapperOptions = {
      tenantId,
      serverId,
      wrapUpMs: () => wrapUpMs,
      ...(names === undefined ? {} : { names }),
      ...(secret ? { callerKeySecret: secret } : {}),
    };
    const sink = values.out !== undefined ? fileSink(values.out) : await kafkaSink(ctx, input);
    const slThresholdMs = (queueId: string) => settings.resolve(tenantId, queueId).slThresholdMs;
    const figures = new AsteriskSummary({
      nameOf: queueNameOf(names),
      slThresholdMs,
      servicelevelSec: (queue, queueId) => servicelevel.byQueue.get(queue) ?? servicelevel.all ?? slThresholdMs(queueId) / 1000,
    });
    let summary: ImportSummary;
    try {
      summary = await importQueueLog(input, options, sink, figures);
    } finally {
      await sink.close();
    }
    process.stderr.write(formatSummary(summary, values.out ?? 'Kafka'));
    for (const queue of servicelevel.byQueue.keys()) {
      if (!summary.queues.some((q) => q.queue === queue)) process.stderr.write(`import: --servicelevel names queue ${JSON.stringify(queue)}, which has no call in the file\n`);
    }
    if (summaryMode === 'json') ctx.out(JSON.stringify(summary));
    return summary.invalid.length > 0 ? 1 : 0;
  },
};

function identifierOption(name: string, value: string): string {
  if (!IDENTIFIER_PATTERN.test(value)) throw new CallboardError('CB_USAGE', `import: --${name} must match [A-Za-z0-9_.-]{1,64}, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * `--servicelevel` values: `S` for every queue (once), `QUEUE=S` for one queue by its Asterisk name
 * (the last `=` splits, so a name may hold one); S whole seconds, 0 to a day, as queues.conf's.
 */
function servicelevelOption(values: string[]): ServicelevelOption {
  const out: ServicelevelOption = { byQueue: new Map() };
  for (const value of values) {
    const at = value.lastIndexOf('=');
    const queue = at < 0 ? undefined : value.slice(0, at);
    const sec = numberOption('import', 'servicelevel', at < 0 ? value : value.slice(at + 1), { min: 0, max: MAX_SERVICELEVEL_SEC, integer: true }) as number;
    if (queue === undefined) {
      if (out.all !== undefined) throw new CallboardError('CB_USAGE', 'import: --servicelevel S for every queue given twice; name a queue with QUEUE=S');
      out.all = sec;
    } else {
      if (queue === '') throw new CallboardError('CB_USAGE', `import: --servicelevel ${JSON.stringify(value)}: the queue name before = is empty`);
      if (out.byQueue.has(queue)) throw new CallboardError('CB_USAGE', `import: --servicelevel for queue ${JSON.stringify(queue)} given twice`);
      out.byQueue.set(queue, sec);
    }
  }
  return out;
}

/** The queue settings kpi would use: --queues, else CB_QUEUES_FILE, else config/queues.json when there is one, else the built-in defaults. */
function queueSettings(ctx: CliContext, path: string | undefined): QueueConfig {
  if (path === undefined && ctx.env.CB_QUEUES_FILE === undefined && !existsSync('config/queues.json')) return QueueConfig.defaults();
  return loadQueueConfig(ctx, path);
}

/** A queueId's Asterisk name: the mapping file's name for it, else the reversible rule's inverse. */
function queueNameOf(names: NameMap | undefined): (queueId: string) => string {
  const mapped = new Map(Object.entries(names?.queues ?? {}).map(([name, id]) => [id, name]));
  return (queueId) => mapped.get(queueId) ?? decodeName(queueId);
}

function readNameMap(path: string): AsteriskMapperOptions['names'] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CallboardError('CB_USAGE', `import: --queues-map ${path}: not JSON: ${(err as Error).message}`, { cause: err });
  }
  return loadNameMap(json);
}

/**
 * Converts one queue_log file: each line parsed and mapped in file order, the events released in
 * occurredAt order through a {@link ReorderWindow}, each invalid line reported on stderr as
 * `FILE:LINE: CODE: message` and handed to the sink, nothing stopping on a bad line.
 *
 * @param input - the queue_log path; LF or CRLF line ends, a final newline or none
 * @param options - the mapper's options
 * @param sink - where events and refused lines go
 */
async function importQueueLog(input: string, options: AsteriskMapperOptions, sink: EventSink, figures: AsteriskSummary): Promise<ImportSummary> {
  const summary: ImportSummary = { lines: 0, events: {}, skipped: {}, invalid: [], queues: [] };
  const mapper = createQueueLogMapper(options);
  const window = new ReorderWindow<CanonicalEvent>(REORDER_WINDOW_MS);
  let clock = -Infinity;
  const refuse = async (lineNo: number, raw: string, error: CallboardError): Promise<void> => {
    summary.invalid.push(lineNo);
    // The message, never the raw line: a queue_log line may carry a caller's number.
    process.stderr.write(`${input}:${lineNo}: ${error.code}: ${error.message}\n`);
    await sink.refuse(lineNo, raw, error);
  };
  const lines = createInterface({ input: createReadStream(input, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const raw of lines) {
    summary.lines += 1;
    if (raw.trim() === '') continue;
    const parsed = parseQueueLogLine(raw);
    if (!parsed.ok) {
      await refuse(summary.lines, raw, parsed.error);
      continue;
    }
    const outcome = mapper.map(parsed.line);
    if (outcome.skipped !== undefined) summary.skipped[outcome.skipped] = (summary.skipped[outcome.skipped] ?? 0) + 1;
    let lineError = outcome.error;
    for (const event of outcome.events) {
      // The mapper's events should all be valid; one that is not is refused with its line, never sent.
      const checked = validateEvent(event);
      if (!checked.ok) {
        lineError ??= checked.error;
        continue;
      }
      window.push(Date.parse(checked.event.occurredAt), checked.event);
    }
    if (lineError !== undefined) await refuse(summary.lines, raw, lineError);
    clock = Math.max(clock, parsed.line.epochSec * 1000);
    for (const event of window.release(clock)) await emit(event);
  }
  for (const event of window.drain()) await emit(event);
  summary.queues = figures.queues();
  return summary;

  async function emit(event: CanonicalEvent): Promise<void> {
    summary.events[event.type] = (summary.events[event.type] ?? 0) + 1;
    figures.observe(event);
    await sink.write(event);
  }
}

function fileSink(path: string): EventSink {
  const writer = createJsonLinesWriter(path);
  return { write: (event) => writer.write(event), refuse: async () => {}, close: () => writer.close() };
}

/**
 * Events through the CLI's sender (as `produce`); refused lines to `cc.dlq.v1` as records whose source
 * is the file as services/ingest-asterisk names it: topic `queue_log:<absolute path>`, partition 0, offset the
 * line number, value the line's bytes.
 */
async function kafkaSink(ctx: CliContext, input: string): Promise<EventSink> {
  const producer: Producer = createCliProducer(ctx);
  await unavailableOnError(producer.connect(), ctx);
  const codec = ctx.codec();
  const sender = createEventSender(producer, codec);
  const dlq = new DlqPublisher(producer, codec, 'callboard-import', createMetricsRegistry('callboard-import'));
  const topic = `queue_log:${resolve(input)}`;
  let refused: RefusedRecord[] = [];
  const flushDlq = async (): Promise<void> => {
    const batch = refused;
    refused = [];
    await dlq.publish(batch);
  };
  let closed = false;
  return {
    write: (event) => unavailableOnError(sender.send(event), ctx),
    async refuse(lineNo, raw, error) {
      refused.push({ source: { topic, partition: 0, offset: String(lineNo) }, key: null, value: Buffer.from(raw, 'utf8'), error });
      if (refused.length >= DLQ_BATCH) await flushDlq();
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await unavailableOnError(sender.flush(), ctx);
        await flushDlq();
      } finally {
        await producer.disconnect();
      }
    },
  };
}

/** A kafkajs failure as `CB_KAFKA_UNAVAILABLE` naming the brokers, rather than a stack trace; CallboardErrors (the registry's) pass. */
async function unavailableOnError<T>(work: Promise<T>, ctx: CliContext): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof CallboardError) throw err;
    throw new CallboardError('CB_KAFKA_UNAVAILABLE', `Kafka at ${ctx.infra.kafkaBrokers.join(',')}: ${(err as Error).message}`, { cause: err, retriable: true });
  }
}

/** The stderr report: one line each for lines, events by type, skipped kinds and invalid lines, then one per queue. */
function formatSummary(s: ImportSummary, destination: string): string {
  const kinds = (counts: Record<string, number>) =>
    Object.keys(counts).length === 0 ? 'none' : Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k}=${n}`).join(' ');
  const total = Object.values(s.events).reduce((a, b) => a + b, 0);
  const listed = s.invalid.slice(0, LISTED_INVALID).join(', ');
  const more = s.invalid.length > LISTED_INVALID ? `, … (${s.invalid.length - LISTED_INVALID} more)` : '';
  return [
    `import: ${s.lines} line(s) read`,
    `import: ${total} event(s) to ${destination}: ${kinds(s.events)}`,
    `import: skipped: ${kinds(s.skipped)}`,
    `import: ${s.invalid.length} invalid line(s)${s.invalid.length > 0 ? `: ${listed}${more}` : ''}`,
    ...s.queues.map(formatQueueSummary),
    '',
  ].join('\n');
}
