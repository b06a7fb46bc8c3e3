import { EVENT_TYPES, IDENTIFIER_PATTERN } from '@callboard/events';
import type { IngestLimits } from './config.js';

const errorBody = (description: string) => ({
  description,
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
});

/** What every canonical event has (DESIGN §2); each type's own fields are in docs/ingest/http.md and DESIGN §2. */
const canonicalEvent = {
  type: 'object',
  description: 'A canonical event of contract v1 (DESIGN §2). Checked per line by the contract: a bad one is listed in `rejected`, the others are still accepted.',
  required: ['eventId', 'type', 'occurredAt', 'tenantId'],
  properties: {
    eventId: { type: 'string', maxLength: 128, description: 'Unique and stable: a retry with the same eventId is counted once' },
    type: { type: 'string', enum: [...EVENT_TYPES] },
    occurredAt: { type: 'string', format: 'date-time' },
    tenantId: { type: 'string', pattern: IDENTIFIER_PATTERN.source, description: "Must be the token's tenant (else CB_TENANT_MISMATCH for that line)" },
    source: { type: 'string' },
  },
  additionalProperties: true,
};

/** The route schema of `POST /api/v1/events`; @fastify/swagger turns it into the OpenAPI document. */
export function eventsRouteSchema(limits: IngestLimits) {
  const tooLarge = errorBody(`CB_BODY_TOO_LARGE (body over ${limits.maxBodyBytes} bytes) or CB_TOO_MANY_EVENTS (over ${limits.maxEvents} events); nothing accepted`);
  return {
    summary: 'Post canonical events of the token’s tenant',
    description:
      'Bearer token of role `ingest` (`callboard token --role ingest`); the tenant comes from the token only. ' +
      'Answers 202 only once Kafka acknowledged (acks=all) every accepted event and every rejected line’s DLQ record. ' +
      'Lines that fail the contract or name another tenant are listed in `rejected` with their 1-based line (JSON lines) or position (JSON array) and a CB_* code, and go to cc.dlq.v1. ' +
      'A retry of the same request is harmless: the aggregator counts an eventId once.',
    security: [{ bearer: [] }],
    body: {
      content: {
        'application/x-ndjson': { schema: { type: 'string', description: 'One canonical event per line (JSON lines); blank lines are skipped but counted' } },
        'application/json': { schema: { type: 'array', items: canonicalEvent } },
      },
    },
    response: {
      202: {
        description: 'Every accepted event is in Kafka',
        type: 'object',
        required: ['accepted', 'rejected'],
        properties: {
          accepted: { type: 'integer', minimum: 0 },
          rejected: {
            type: 'array',
            items: { type: 'object', required: ['line', 'code', 'message'], properties: { line: { type: 'integer', minimum: 1 }, code: { type: 'string' }, message: { type: 'string' } } },
          },
        },
      },
      400: errorBody('CB_EVENT_JSON_PARSE (an application/json body that is not JSON) or CB_INPUT_INVALID (not an array)'),
      401: errorBody('CB_TOKEN_MISSING, CB_TOKEN_INVALID or CB_TOKEN_EXPIRED'),
      403: errorBody('CB_ROLE_FORBIDDEN: the token is not of role ingest'),
      413: tooLarge,
      415: errorBody('CB_MEDIA_TYPE_UNSUPPORTED: neither application/x-ndjson nor application/json'),
      429: errorBody(`CB_RATE_LIMITED: the tenant went over ${limits.ratePerSecond} requests per second (burst ${limits.rateBurst}); see Retry-After`),
      503: errorBody('CB_KAFKA_UNAVAILABLE or CB_REGISTRY_UNAVAILABLE: nothing is claimed accepted; retry after Retry-After'),
    },
  };
}

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: { title: 'callboard HTTP ingest', version: '1.0.0', description: 'Canonical events into callboard over HTTP (docs/ingest/http.md).' },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT (HS256; claims tenantId, role=ingest, exp)' } } },
} as const;
