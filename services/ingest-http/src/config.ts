import { z } from 'zod';
import { CallboardError } from '@callboard/errors';
import { type Env, loadInfraConfig, type InfraConfig, parseEnv, portVar, positiveIntVar } from '@callboard/runtime';
import { assertIngestSecretsApart, MIN_SECRET_LENGTH } from '@callboard/tokens';

/** Defaults, beside the schema (docs/ingest/http.md lists them too). */
export const INGEST_HTTP_DEFAULTS = {
  CB_INGEST_HTTP_PORT: 9408,
  CB_INGEST_HTTP_HOST: '127.0.0.1',
  CB_INGEST_HTTP_OPS_PORT: 9409,
  CB_INGEST_HTTP_OPS_HOST: '127.0.0.1',
  CB_INGEST_HTTP_MAX_BODY_BYTES: 1_048_576,
  CB_INGEST_HTTP_MAX_EVENTS: 5_000,
  CB_INGEST_HTTP_RATE_PER_SECOND: 20,
  CB_INGEST_HTTP_RATE_BURST: 40,
  CB_INGEST_HTTP_SEND_TIMEOUT_MS: 15_000,
} as const;

/** 0 picks a free port (tests). */
const listenPort = z.union([z.literal('0').transform(() => 0), portVar]);

const schema = z.object({
    CB_INGEST_HTTP_PORT: listenPort.default(INGEST_HTTP_DEFAULTS.CB_INGEST_HTTP_PORT),
    CB_INGEST_HTTP_HOST: z.string().min(1).default(INGEST_HTTP_DEFAULTS.CB_INGEST_HTTP_HOST),
    /** `/healthz`, `/readyz` and the operational `/metrics`: loopback by default, like the gateway's ops listener. */
    CB_INGEST_HTTP_OPS_PORT: listenPort.default(INGEST_HTTP_DEFAULTS.CB_INGEST_HTTP_OPS_PORT),
    CB_INGEST_HTTP_OPS_HOST: z.string().min(1).default(INGEST_HTTP_DEFAULTS.CB_INGEST_HTTP_OPS_HOST),
    /**
     * The secret `callboard token --role ingest` signs with; the HTTP ingest only checks tokens. Its own,
     * apart from CB_GATEWAY_SECRET, so this host cannot mint gateway tokens (docs/ingest/http.md#authentication).
     */
    CB_INGEST_TOKEN_SECRET: z
      .string({ required_error: 'is required (ingest tokens have a secret of their own, not CB_GATEWAY_SECRET)' })
      .min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`),
    /** During a rotation: the secret before, still accepted until the tokens it signed are replaced. */
    CB_INGEST_TOKEN_SECRET_PREVIOUS: z.string().min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`).optional(),
    /** Never used to check a token; read only to refuse an ingest secret equal to it. Best left unset here. */
    CB_GATEWAY_SECRET: z.string().optional(),
    CB_INGEST_HTTP_MAX_BODY_BYTES: positiveIntVar.min(1024, 'must be at least 1024').max(64 * 1_048_576, 'must be at most 67108864 (64 MiB)').default(INGEST_HTTP_DEFAULTS.CB_INGEST_HTTP_MAX_BODY_BYTES),
    CB_INGEST_HTTP_MAX_EVENTS: positiveIntVar.max(100_000, 'must be at most 100000').default(INGEST_HTTP_DEFAULTS.CB_INGEST_HTTP_MAX_EVENTS),
    CB_INGEST_HTTP_RATE_PER_SECOND: positiveIntVar.max(10_000, 'must be at most 10000').default(INGEST_HTTP_DEFAULTS.CB_INGEST_HTTP_RATE_PER_SECOND),
    CB_INGEST_HTTP_RATE_BURST: positiveIntVar.max(100_000, 'must be at most 100000').default(INGEST_HTTP_DEFAULTS.CB_INGEST_HTTP_RATE_BURST),
    CB_INGEST_HTTP_SEND_TIMEOUT_MS: positiveIntVar.min(1000, 'must be at least 1000').max(120_000, 'must be at most 120000').default(INGEST_HTTP_DEFAULTS.CB_INGEST_HTTP_SEND_TIMEOUT_MS),
});

/** The limits of one request and of one tenant's request rate (issue 10 item 3). */
export interface IngestLimits {
  maxBodyBytes: number;
  maxEvents: number;
  /** Token bucket per tenant: refill rate and size. */
  ratePerSecond: number;
  rateBurst: number;
  /** How long a request waits for Kafka's acknowledgement before it is answered 503. */
  sendTimeoutMs: number;
}

export interface IngestHttpConfig {
  infra: InfraConfig;
  port: number;
  host: string;
  opsPort: number;
  opsHost: string;
  /** The secrets tokens are checked with, current first (then CB_INGEST_TOKEN_SECRET_PREVIOUS, if set). */
  tokenSecrets: readonly string[];
  limits: IngestLimits;
}

export function loadIngestHttpConfig(env: Env): Readonly<IngestHttpConfig> {
  const e = parseEnv(schema, env);
  // A bucket smaller than a second's refill would refuse the steady rate it is meant to allow.
  if (e.CB_INGEST_HTTP_RATE_BURST < e.CB_INGEST_HTTP_RATE_PER_SECOND) {
    throw new CallboardError('CB_CONFIG_INVALID', `invalid configuration: CB_INGEST_HTTP_RATE_BURST=${JSON.stringify(String(e.CB_INGEST_HTTP_RATE_BURST))}: must be at least CB_INGEST_HTTP_RATE_PER_SECOND (${e.CB_INGEST_HTTP_RATE_PER_SECOND})`);
  }
  assertIngestSecretsApart(e.CB_GATEWAY_SECRET, { CB_INGEST_TOKEN_SECRET: e.CB_INGEST_TOKEN_SECRET, CB_INGEST_TOKEN_SECRET_PREVIOUS: e.CB_INGEST_TOKEN_SECRET_PREVIOUS });
  return Object.freeze({
    infra: loadInfraConfig(env),
    port: e.CB_INGEST_HTTP_PORT,
    host: e.CB_INGEST_HTTP_HOST,
    opsPort: e.CB_INGEST_HTTP_OPS_PORT,
    opsHost: e.CB_INGEST_HTTP_OPS_HOST,
    tokenSecrets: Object.freeze([e.CB_INGEST_TOKEN_SECRET, ...(e.CB_INGEST_TOKEN_SECRET_PREVIOUS ? [e.CB_INGEST_TOKEN_SECRET_PREVIOUS] : [])]),
    limits: Object.freeze({
      maxBodyBytes: e.CB_INGEST_HTTP_MAX_BODY_BYTES,
      maxEvents: e.CB_INGEST_HTTP_MAX_EVENTS,
      ratePerSecond: e.CB_INGEST_HTTP_RATE_PER_SECOND,
      rateBurst: e.CB_INGEST_HTTP_RATE_BURST,
      sendTimeoutMs: e.CB_INGEST_HTTP_SEND_TIMEOUT_MS,
    }),
  });
}
