import type { ErrorCode } from './codes.js';

export interface CallboardErrorOptions {
  cause?: unknown;
  /** True when trying the same thing again later may succeed (a broker or server that is down). */
  retriable?: boolean;
  [context: string]: unknown;
}

/** The one error type callboard throws: a stable `code`, a message for people, and context for logs. */
export class CallboardError extends Error {
  override readonly name = 'CallboardError';
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: CallboardErrorOptions = {}) {
    const { cause, retriable = false, ...context } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.retriable = retriable;
    this.context = context;
  }
}

export function isCallboardError(err: unknown, code?: ErrorCode): err is CallboardError {
  return err instanceof CallboardError && (code === undefined || err.code === code);
}

/** Whether an error may go away on its own. Only callboard's own errors say so; programmer errors never do. */
export function isRetriable(err: unknown): boolean {
  return err instanceof CallboardError && err.retriable;
}
