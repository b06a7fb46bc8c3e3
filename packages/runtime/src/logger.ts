import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/**
 * Caller numbers are personal data: they never reach a log line. The paths cover events logged
 * whole, nested under `event`, and the raw forms PBX adapters use.
 */
export const REDACT_PATHS = [
  'callerKey',
  '*.callerKey',
  'event.callerKey',
  'events[*].callerKey',
  'ani',
  '*.ani',
  'dnis',
  '*.dnis',
  'callerNumber',
  '*.callerNumber',
  'phoneNumber',
  '*.phoneNumber',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  // ioredis errors carry the failed command: AUTH's password, a script's arguments.
  'err.command',
  'err.cause.command',
  '*.command.args',
];

/** The one root logger of a process. Libraries take a logger (a child), they never make one. */
export function createRootLogger(options: { name: string; level?: LoggerOptions['level']; destination?: DestinationStream }): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: options.name, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
