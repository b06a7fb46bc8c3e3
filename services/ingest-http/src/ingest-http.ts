import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Producer } from 'kafkajs';
import { CallboardError, isCallboardError, type ErrorCode } from '@callboard/errors';
import type { CanonicalEvent, EncodedRecord, EventCodec } from '@callboard/events';
import { DlqPublisher, type Logger, type OpsServer, type Registry, sendEncodedRecords, startOpsServer } from '@callboard/runtime';
import { requireRole, verifyToken, type TokenClaims } from '@callboard/tokens';
import { type BodyItem, checkItems, jsonArrayItems, jsonLinesItems, type RejectedLine } from './body.js';
import type { IngestLimits } from './config.js';
import { createIngestHttpMetrics } from './metrics.js';
import { eventsRouteSchema, OPENAPI_INFO } from './openapi.js';
import { TokenBuckets } from './token-bucket.js';

export const EVENTS_PATH = '/api/v1/events';
export const OPENAPI_PATH = '/api/v1/openapi.json';
/** The `sourceTopic` of the DLQ records of refused lines: not a Kafka topic, the route they came in by. */
export const DLQ_SOURCE = `http:POST ${EVENTS_PATH}`;
/** Seconds a client is told to wait after a 503 (Kafka or the registry unavailable). */
const UNAVAILABLE_RETRY_AFTER_S = 5;

export interface IngestHttpDeps {
  /** A connected idempotent producer (acks=all per send); the caller owns it. */
  producer: Producer;
  codec: EventCodec;
  logger: Logger;
  /** The ops listener's registry: no tenant data goes in it. */
  metrics: Registry;
  config: { port: number; host: string; opsPort: number; opsHost: string; tokenSecrets: readonly string[]; limits: IngestLimits };
  /** Called once Kafka acknowledged a request's events: source heartbeats hang here (issue 10 item 5). */
  onAccepted?: (tenantId: string, events: readonly CanonicalEvent[]) => void;
  /** Wall clock for the rate limit; injectable for tests. */
  now?: () => number;
}

export interface IngestHttp {
  /** Listens on the public and the ops port. */
  start(): Promise<void>;
  close(): Promise<void>;
  /** `http://host:port` of the public listener, once started. */
  readonly url: string;
  readonly opsUrl: string;
}

/** The HTTP status of each whole-request refusal. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  CB_TOKEN_MISSING: 401,
  CB_TOKEN_INVALID: 401,
  CB_TOKEN_EXPIRED: 401,
  CB_ROLE_FORBIDDEN: 403,
  CB_BODY_TOO_LARGE: 413,
  CB_TOO_MANY_EVENTS: 413,
  CB_MEDIA_TYPE_UNSUPPORTED: 415,
  CB_RATE_LIMITED: 429,
  CB_EVENT_JSON_PARSE: 400,
  CB_INPUT_INVALID: 400,
  CB_KAFKA_UNAVAILABLE: 503,
  CB_REGISTRY_UNAVAILABLE: 503,
};

/** fastify's own refusals, as the CB_* error a client of callboard gets. */
function fromFastify(err: FastifyError, limits: IngestLimits): CallboardError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new CallboardError('CB_BODY_TOO_LARGE', `the body is larger than ${limits.maxBodyBytes} bytes; split it`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new CallboardError('CB_MEDIA_TYPE_UNSUPPORTED', 'send application/x-ndjson (JSON lines) or application/json (an array)');
    default:
      return typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? new CallboardError('CB_INPUT_INVALID', err.message) : undefined;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    claims?: TokenClaims<'ingest'>;
  }
}

/**
 * The HTTP ingest (issue 10 item 3): `POST /api/v1/events` takes canonical events of the token's
 * tenant as JSON lines or a JSON array and answers 202 once Kafka holds every accepted one. The
 * route's schema is the OpenAPI document (`GET /api/v1/openapi.json`). Health, readiness and the
 * operational metrics are on a separate listener, loopback by default.
 */
export function createIngestHttp(deps: IngestHttpDeps): IngestHttp {
  const { producer, codec, config } = deps;
  const { limits } = config;
  const log = deps.logger.child({ module: 'ingest-http' });
  const metrics = createIngestHttpMetrics(deps.metrics);
  const dlq = new DlqPublisher(producer, codec, 'ingest-http', deps.metrics);
  const buckets = new TokenBuckets(limits.ratePerSecond, limits.rateBurst, deps.now);
  let kafkaConnected = true;
  producer.on(producer.events.CONNECT, () => (kafkaConnected = true));
  producer.on(producer.events.DISCONNECT, () => (kafkaConnected = false));

  // fastify's own logger stays off: request logs would carry the Authorization header's neighbours
  // and every line goes through the process's pino logger instead, without tokens.
  const app = Fastify({ logger: false, bodyLimit: limits.maxBodyBytes, genReqId: () => randomUUID() });
  let ops: OpsServer | undefined;
  let url = '';

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, jsonLinesItems(body as string, limits.maxEvents));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    let value: unknown;
    try {
      value = JSON.parse(body as string);
    } catch (err) {
      return done(new CallboardError('CB_EVENT_JSON_PARSE', `the body is not JSON: ${(err as Error).message}`), undefined);
    }
    if (!Array.isArray(value)) return done(new CallboardError('CB_INPUT_INVALID', 'an application/json body is an array of events; send one event as [event]'), undefined);
    try {
      done(null, jsonArrayItems(value, limits.maxEvents));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  /** The token (role ingest) and the tenant's request rate, before the body is read. */
  async function admit(req: FastifyRequest): Promise<void> {
    const header = req.headers.authorization;
    const token = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (header !== undefined && token === undefined) throw new CallboardError('CB_TOKEN_INVALID', 'the Authorization header must be "Bearer <token>"');
    const claims = requireRole(await verifyToken(token, config.tokenSecrets), ['ingest'] as const, 'post events');
    const slot = buckets.take(claims.tenantId);
    if (!slot.allowed) throw new CallboardError('CB_RATE_LIMITED', `at most ${limits.ratePerSecond} requests per second per tenant (burst ${limits.rateBurst})`, { retryAfterMs: slot.retryAfterMs, retriable: true });
    req.claims = claims;
  }

  /** Sends the accepted events and the refused lines' DLQ records; resolves once Kafka acknowledged all. */
  async function deliver(tenantId: string, requestId: string, accepted: readonly CanonicalEvent[], rejected: readonly RejectedLine[]): Promise<void> {
    const started = process.hrtime.bigint();
    let timer: NodeJS.Timeout | undefined;
    try {
      const send = async (): Promise<void> => {
        const records: EncodedRecord[] = [];
        for (const event of accepted) records.push(await codec.encodeEvent(event));
        // One send per partition (runtime sendEncodedRecords): a broker lost mid-send loses or doubles nothing.
        const events = sendEncodedRecords(producer, codec.topology, records);
        const refused = dlq.publish(
          rejected.map((r) => ({
            source: { topic: DLQ_SOURCE, partition: 0, offset: String(r.line) },
            key: Buffer.from(tenantId),
            value: Buffer.from(r.raw),
            error: new CallboardError(r.code as ErrorCode, `tenant ${tenantId}, request ${requestId}, line ${r.line}: ${r.message}`),
          })),
        );
        await Promise.all([events, refused]);
      };
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no acknowledgement within ${limits.sendTimeoutMs} ms`)), limits.sendTimeoutMs);
      });
      await Promise.race([send(), timeout]);
      metrics.sendSeconds.observe({ outcome: 'ok' }, Number(process.hrtime.bigint() - started) / 1e9);
    } catch (err) {
      metrics.sendSeconds.observe({ outcome: 'failed' }, Number(process.hrtime.bigint() - started) / 1e9);
      if (isCallboardError(err) && err.retriable) throw err;
      throw new CallboardError('CB_KAFKA_UNAVAILABLE', `Kafka did not acknowledge the events: ${(err as Error).message}`, { cause: err, retriable: true });
    } finally {
      clearTimeout(timer);
    }
  }

  async function postEvents(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const claims = req.claims!;
    const items = (req.body ?? []) as BodyItem[];
    const { accepted, rejected } = checkItems(items, claims.tenantId);
    await deliver(claims.tenantId, req.id, accepted, rejected);
    metrics.accepted.inc(accepted.length);
    for (const r of rejected) metrics.rejected.inc({ code: r.code });
    if (accepted.length > 0 && deps.onAccepted) {
      // The events are in Kafka and the client is owed its 202: a failing hook is logged, never answered.
      try {
        deps.onAccepted(claims.tenantId, accepted);
      } catch (err) {
        log.warn({ err, tenantId: claims.tenantId }, 'onAccepted hook failed');
      }
    }
    log.debug({ tenantId: claims.tenantId, requestId: req.id, accepted: accepted.length, rejected: rejected.length }, 'events accepted');
    return reply.code(202).send({ accepted: accepted.length, rejected: rejected.map(({ line, code, message }) => ({ line, code, message })) });
  }

  app.setErrorHandler((err: FastifyError | CallboardError, req, reply) => {
    const known = isCallboardError(err) ? err : fromFastify(err, limits);
    const status = known ? STATUS[known.code] : undefined;
    if (!known || status === undefined) {
      log.error({ err, requestId: req.id }, 'request failed');
      return reply.code(500).send({ error: { code: 'internal', message: 'internal error' } });
    }
    metrics.refused.inc({ code: known.code });
    if (status === 429) reply.header('retry-after', String(Math.ceil(Number(known.context.retryAfterMs ?? 1000) / 1000)));
    if (status === 503) {
      reply.header('retry-after', String(UNAVAILABLE_RETRY_AFTER_S));
      log.warn({ err: known, requestId: req.id, tenantId: req.claims?.tenantId }, 'events not acknowledged; answered 503');
    } else log.info({ code: known.code, requestId: req.id, tenantId: req.claims?.tenantId }, 'request refused');
    return reply.code(status).send({ error: { code: known.code, message: known.message } });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: { code: 'not_found', message: `no route for ${req.method} ${req.url.split('?')[0]}` } }));
  app.addHook('onResponse', async (req, reply) => {
    if (req.routeOptions.url === EVENTS_PATH) metrics.requests.inc({ status: String(reply.statusCode) });
  });

  const ready = (async () => {
    await app.register(swagger, { openapi: OPENAPI_INFO });
    app.post(EVENTS_PATH, {
      schema: eventsRouteSchema(limits),
      onRequest: admit,
      // The body's items are checked one by one against the contract (packages/events), so one bad
      // line never refuses the request; the schema above documents the body, it does not gate it.
      validatorCompiler: () => () => true,
      handler: postEvents,
    });
    app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());
    await app.ready();
  })();

  return {
    async start() {
      await ready;
      ops = await startOpsServer({ port: config.opsPort, host: config.opsHost, metrics: deps.metrics, logger: deps.logger, readiness: { kafka: () => kafkaConnected } });
      try {
        await app.listen({ port: config.port, host: config.host });
      } catch (err) {
        await ops.close();
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') throw new CallboardError('CB_CONFIG_INVALID', `cannot listen on ${config.host}:${config.port} (${code}): set CB_INGEST_HTTP_PORT to a free port`, { cause: err });
        throw err;
      }
      const address = app.server.address() as AddressInfo;
      url = `http://${config.host}:${address.port}`;
      log.info({ port: address.port, host: config.host }, `listening on POST ${EVENTS_PATH} and GET ${OPENAPI_PATH}`);
    },
    async close() {
      await app.close();
      await ops?.close();
    },
    get url() {
      return url;
    },
    get opsUrl() {
      return ops ? `http://${config.opsHost}:${ops.port}` : '';
    },
  };
}
