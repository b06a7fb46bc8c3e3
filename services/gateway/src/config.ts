import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { type Env, loadInfraConfig, type InfraConfig, parseEnv, portVar, positiveIntVar } from '@callboard/runtime';
import { assertIngestSecretsApart } from '@callboard/tokens';
import { MIN_SECRET_LENGTH } from './auth.js';

/** Defaults, beside the schema (docs/websocket-protocol.md lists the limits too). */
export const GATEWAY_DEFAULTS = {
  CB_GATEWAY_PORT: 9404,
  CB_GATEWAY_HOST: '127.0.0.1',
  CB_GATEWAY_ORIGINS: 'http://127.0.0.1:9404,http://localhost:9404',
  CB_QUEUES_FILE: 'config/queues.json',
  CB_REDIS_NAMESPACE: 'cb',
  CB_GATEWAY_MAX_FRAME_BYTES: 16_384,
  CB_GATEWAY_MESSAGES_PER_SECOND: 20,
  CB_GATEWAY_CONNECTIONS_PER_TOKEN: 10,
  CB_GATEWAY_MAX_BUFFERED_BYTES: 1_048_576,
  CB_GATEWAY_SLOW_CLOSE_MS: 10_000,
  CB_GATEWAY_HEARTBEAT_MS: 30_000,
  CB_GATEWAY_TICKET_TTL_S: 30,
  CB_GATEWAY_TICKETS_PER_MINUTE: 10,
  CB_GATEWAY_OPS_PORT: 9405,
  CB_GATEWAY_OPS_HOST: '127.0.0.1',
} as const;

/** The scrape token is a credential like the signing secret: at least this long. */
const MIN_SCRAPE_TOKEN_LENGTH = 32;

const originList = z
  .string()
  .transform((s) => s.split(',').map((o) => o.trim()).filter((o) => o.length > 0))
  .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'each origin must be scheme://host[:port]')));

const schema = z.object({
  /** 0 picks a free port (tests). */
  CB_GATEWAY_PORT: z.union([z.literal('0').transform(() => 0), portVar]).default(GATEWAY_DEFAULTS.CB_GATEWAY_PORT),
  CB_GATEWAY_HOST: z.string().min(1).default(GATEWAY_DEFAULTS.CB_GATEWAY_HOST),
  CB_GATEWAY_SECRET: z.string({ required_error: 'is required' }).min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`),
  CB_GATEWAY_ORIGINS: originList.default(GATEWAY_DEFAULTS.CB_GATEWAY_ORIGINS),
  /** Unset: `callboard-gateway-<uuid>`, unique per instance, since every instance needs every snapshot. */
  CB_GATEWAY_GROUP: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/).optional(),
  CB_QUEUES_FILE: z.string().min(1).default(GATEWAY_DEFAULTS.CB_QUEUES_FILE),
  CB_REDIS_NAMESPACE: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).default(GATEWAY_DEFAULTS.CB_REDIS_NAMESPACE),
  CB_GATEWAY_MAX_FRAME_BYTES: positiveIntVar.max(1_048_576).default(GATEWAY_DEFAULTS.CB_GATEWAY_MAX_FRAME_BYTES),
  CB_GATEWAY_MESSAGES_PER_SECOND: positiveIntVar.max(10_000).default(GATEWAY_DEFAULTS.CB_GATEWAY_MESSAGES_PER_SECOND),
  CB_GATEWAY_CONNECTIONS_PER_TOKEN: positiveIntVar.max(10_000).default(GATEWAY_DEFAULTS.CB_GATEWAY_CONNECTIONS_PER_TOKEN),
  CB_GATEWAY_MAX_BUFFERED_BYTES: positiveIntVar.default(GATEWAY_DEFAULTS.CB_GATEWAY_MAX_BUFFERED_BYTES),
  CB_GATEWAY_SLOW_CLOSE_MS: positiveIntVar.default(GATEWAY_DEFAULTS.CB_GATEWAY_SLOW_CLOSE_MS),
  CB_GATEWAY_HEARTBEAT_MS: positiveIntVar.min(1000).default(GATEWAY_DEFAULTS.CB_GATEWAY_HEARTBEAT_MS),
  CB_GATEWAY_TICKET_TTL_S: positiveIntVar.max(300).default(GATEWAY_DEFAULTS.CB_GATEWAY_TICKET_TTL_S),
  CB_GATEWAY_TICKETS_PER_MINUTE: positiveIntVar.max(10_000).default(GATEWAY_DEFAULTS.CB_GATEWAY_TICKETS_PER_MINUTE),
  /** Operational metrics (no tenant data); 0 picks a free port (tests). */
  CB_GATEWAY_OPS_PORT: z.union([z.literal('0').transform(() => 0), portVar]).default(GATEWAY_DEFAULTS.CB_GATEWAY_OPS_PORT),
  CB_GATEWAY_OPS_HOST: z.string().min(1).default(GATEWAY_DEFAULTS.CB_GATEWAY_OPS_HOST),
  /** Lets a Prometheus scrape every tenant's KPI series from the public `/metrics`; unset: tenant tokens only. */
  CB_GATEWAY_SCRAPE_TOKEN: z.string().min(MIN_SCRAPE_TOKEN_LENGTH, `must be at least ${MIN_SCRAPE_TOKEN_LENGTH} characters`).optional(),
});

/** Per-connection limits (DESIGN §7, issue 5 "Limits"). */
export interface GatewayLimits {
  maxFrameBytes: number;
  messagesPerSecond: number;
  connectionsPerToken: number;
  maxBufferedBytes: number;
  /** How long a client may stay over `maxBufferedBytes` before it is closed with 4008. */
  slowCloseMs: number;
  heartbeatMs: number;
  ticketTtlSeconds: number;
  /** WebSocket tickets one token may take per minute (`POST /api/v1/ws-ticket`); unset: 10. */
  ticketsPerMinute?: number;
}

export interface GatewayConfig {
  infra: InfraConfig;
  port: number;
  host: string;
  /** The ops listener (`/healthz`, `/readyz`, operational `/metrics`); undefined: none. */
  opsPort?: number;
  opsHost?: string;
  secret: string;
  /** Bearer credential that reads every tenant's KPI series on the public `/metrics`. */
  scrapeToken?: string;
  origins: string[];
  groupId: string;
  queuesFile: string;
  redisNamespace: string;
  limits: GatewayLimits;
}

export function loadGatewayConfig(env: Env): Readonly<GatewayConfig> {
  const e = parseEnv(schema, env);
  // With one value for both, a token signed for the HTTP ingest would open the gateway too.
  assertIngestSecretsApart(e.CB_GATEWAY_SECRET, { CB_INGEST_TOKEN_SECRET: env.CB_INGEST_TOKEN_SECRET, CB_INGEST_TOKEN_SECRET_PREVIOUS: env.CB_INGEST_TOKEN_SECRET_PREVIOUS });
  return Object.freeze({
    infra: loadInfraConfig(env),
    port: e.CB_GATEWAY_PORT,
    host: e.CB_GATEWAY_HOST,
    opsPort: e.CB_GATEWAY_OPS_PORT,
    opsHost: e.CB_GATEWAY_OPS_HOST,
    secret: e.CB_GATEWAY_SECRET,
    ...(e.CB_GATEWAY_SCRAPE_TOKEN === undefined ? {} : { scrapeToken: e.CB_GATEWAY_SCRAPE_TOKEN }),
    origins: e.CB_GATEWAY_ORIGINS,
    groupId: e.CB_GATEWAY_GROUP ?? `callboard-gateway-${randomUUID()}`,
    queuesFile: e.CB_QUEUES_FILE,
    redisNamespace: e.CB_REDIS_NAMESPACE,
    limits: Object.freeze({
      maxFrameBytes: e.CB_GATEWAY_MAX_FRAME_BYTES,
      messagesPerSecond: e.CB_GATEWAY_MESSAGES_PER_SECOND,
      connectionsPerToken: e.CB_GATEWAY_CONNECTIONS_PER_TOKEN,
      maxBufferedBytes: e.CB_GATEWAY_MAX_BUFFERED_BYTES,
      slowCloseMs: e.CB_GATEWAY_SLOW_CLOSE_MS,
      heartbeatMs: e.CB_GATEWAY_HEARTBEAT_MS,
      ticketTtlSeconds: e.CB_GATEWAY_TICKET_TTL_S,
      ticketsPerMinute: e.CB_GATEWAY_TICKETS_PER_MINUTE,
    }),
  });
}
