import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type logCreator } from 'kafkajs';
import { isCallboardError } from '@callboard/errors';
import type { Logger } from './logger.js';

/** kafkajs logs through the process's pino logger, at the same levels. */
function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      // A one-time notice about kafkajs 2.0's partitioner change; callboard uses the default knowingly.
      if (message.startsWith('KafkaJS v2.0.0 switched default partitioner')) return;
      // Retries are bounded on purpose, so a dead broker surfaces as an error the caller handles;
      // the idempotent producer still dedupes every retry it does make.
      if (message.startsWith('Limiting retries for the idempotent producer')) return;
      const bound = logger.child({ module: 'kafkajs', kafkaNamespace: extra.logger ?? undefined });
      if (level === KafkaLogLevel.ERROR) bound.error(extra, message);
      else if (level === KafkaLogLevel.WARN) bound.warn(extra, message);
      else if (level === KafkaLogLevel.INFO) bound.info(extra, message);
      else bound.debug(extra, message);
    };
}

export interface KafkaFactoryOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
}

export function createKafka(options: KafkaFactoryOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // kafkajs' own INFO lines are chatty (every join and commit); callboard logs what matters itself.
    logLevel: KafkaLogLevel.WARN,
    logCreator: pinoLogCreator(options.logger),
    retry: { initialRetryTime: 200, retries: 8, maxRetryTime: 10_000 },
    connectionTimeout: 5_000,
  });
}

/** kafkajs' own wrappers around the error that really happened: the retrier's verdicts, not causes. */
const KAFKAJS_WRAPPERS = new Set(['KafkaJSNumberOfRetriesExceeded', 'KafkaJSNonRetriableError']);

function isKafkaJsError(err: unknown): err is Error & { retriable?: boolean } {
  return err instanceof Error && err.name.startsWith('KafkaJS');
}

/** The error beneath kafkajs' retry wrappers: what a crash should be logged and judged by. */
export function crashCause(err: unknown): unknown {
  let e = err;
  while (isKafkaJsError(e) && KAFKAJS_WRAPPERS.has(e.name) && e.cause !== undefined) e = e.cause;
  return e;
}

/**
 * The consumer crash policy (STYLE "Consumers have a crash policy", issue 8 item 10): restart only
 * when the root cause may go away on its own: a CallboardError marked retriable, or a kafkajs error
 * kafkajs itself calls retriable (a broker down, a leader moving). Anything else (a bug, a Lua script
 * error, a non-retriable CallboardError) stops the consumer, so the process can exit non-zero.
 */
export function isRestartable(err: unknown): boolean {
  const cause = crashCause(err);
  if (isCallboardError(cause)) return cause.retriable;
  return isKafkaJsError(cause) && !KAFKAJS_WRAPPERS.has(cause.name) && cause.retriable === true;
}
