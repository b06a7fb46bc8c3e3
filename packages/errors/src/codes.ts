/**
 * Every stable error code callboard raises. Code branches on these, never on message text.
 * Each one is described in docs/errors.md; a test keeps the two in step.
 */
export const ERROR_CODES = [
  'CB_CONFIG_INVALID',
  'CB_EVENT_NOT_WIRE_FORMAT',
  'CB_EVENT_SCHEMA_UNKNOWN',
  'CB_EVENT_AVRO_DECODE',
  'CB_EVENT_INVALID',
  'CB_EVENT_JSON_PARSE',
  'CB_EVENT_TOO_FAR_AHEAD',
  'CB_REGISTRY_UNAVAILABLE',
  'CB_KAFKA_UNAVAILABLE',
  'CB_REDIS_UNAVAILABLE',
  'CB_REDIS_SCRIPT',
  'CB_STORE_LAYOUT_OLD',
  'CB_STORE_DIVERGED',
  'CB_KEY_INVALID',
  'CB_QUEUE_CONFIG_INVALID',
  'CB_RULES_INVALID',
  'CB_USAGE',
  'CB_INPUT_INVALID',
  'CB_RANGE_TOO_LARGE',
  'CB_RATE_LIMITED',
  'CB_TOKEN_MISSING',
  'CB_TOKEN_INVALID',
  'CB_TOKEN_EXPIRED',
  'CB_ROLE_FORBIDDEN',
  'CB_TENANT_MISMATCH',
  'CB_BODY_TOO_LARGE',
  'CB_TOO_MANY_EVENTS',
  'CB_MEDIA_TYPE_UNSUPPORTED',
  'CB_SHUTDOWN',
  'CB_CONSUMER_FAILED',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
