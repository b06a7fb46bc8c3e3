import type { Logger } from './logger.js';

export interface ShutdownOptions {
  logger: Logger;
  /** Hard limit for a graceful stop before the process exits anyway. */
  timeoutMs?: number;
  exit?: (code: number) => void;
}

/**
 * Wires SIGINT and SIGTERM to `close()`. A second signal, or a close that takes longer than the
 * timeout, exits at once: an operator's Ctrl-C must always work.
 */
export function onShutdown(close: () => Promise<void>, options: ShutdownOptions): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      options.logger.warn({ signal }, 'second signal, exiting now');
      exit(130);
      return;
    }
    stopping = true;
    options.logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      options.logger.error({ timeoutMs: options.timeoutMs ?? 15_000 }, 'graceful shutdown timed out');
      exit(1);
    }, options.timeoutMs ?? 15_000);
    timer.unref();
    close().then(
      () => {
        clearTimeout(timer);
        options.logger.info('stopped');
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        options.logger.error({ err }, 'error while shutting down');
        exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
