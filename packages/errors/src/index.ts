export { ERROR_CODES, type ErrorCode } from './codes.js';
export { CallboardError, isCallboardError, isRetriable, type CallboardErrorOptions } from './callboard-error.js';
export { retry, backoffDelay, sleep, type RetryOptions } from './retry.js';
