import { z, type ZodTypeAny } from 'zod';
import { CallboardError } from '@callboard/errors';
import type { Env } from './env.js';
import type { RedisTarget } from './redis.js';

/** A TCP port from the environment: an integer in 1..65535. */
export const portVar = z.coerce.number({ invalid_type_error: 'must be a port number' }).int('must be an integer').min(1).max(65535);
/** A positive integer count or duration from the environment. */
export const positiveIntVar = z.coerce.number().int('must be an integer').positive('must be > 0');
export const nonNegativeIntVar = z.coerce.number().int('must be an integer').nonnegative('must be >= 0');
export const boolVar = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
export const logLevelVar = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/**
 * Variables whose value is a credential: a rejected value is never printed, only the rule it broke.
 * `_PREVIOUS` is the one a rotation still accepts (CB_INGEST_TOKEN_SECRET_PREVIOUS), a credential too.
 */
const SECRET_NAME = /(?:_SECRET|_TOKEN|_PASSWORD|_PASSWD|_API_KEY|_CREDENTIALS?)(?:_PREVIOUS)?$/;

/** True when `name` holds a credential (CB_GATEWAY_SECRET, CB_GATEWAY_SCRAPE_TOKEN, any *_SECRET, *_TOKEN, *_PASSWORD, *_SECRET_PREVIOUS). */
function isSecretVar(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The credentials a URL carries in its userinfo (`redis://:pass@host`), if any. */
function urlCredentials(value: string): string[] {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*)@/i.exec(value);
  if (!match?.[1]) return [];
  const parts = [match[1], ...match[1].split(':')].filter((p) => p.length > 0);
  // Longest first, so the whole userinfo is replaced before its parts.
  return [...new Set(parts)].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret in `text` with `***`. */
function mask(text: string, secrets: readonly string[]): string {
  return secrets.reduce((out, secret) => out.split(secret).join('***'), text);
}

/**
 * One line per broken rule: `NAME="value": rule` for ordinary variables, `NAME: rule` for credentials
 * (issue 8 item 4). A URL's userinfo is masked. When zod's own message repeats a secret (enum
 * messages say what they received), the message is replaced by the rule's code.
 */
function describeIssue(issue: z.ZodIssue, picked: Record<string, string | undefined>): string {
  const name = String(issue.path[0] ?? '');
  const value = picked[name];
  const secret = isSecretVar(name);
  const secrets = value === undefined ? [] : secret ? [value] : urlCredentials(value);
  const rule = secrets.some((s) => issue.message.includes(s)) ? `invalid value (${issue.code})` : issue.message;
  const path = issue.path.join('.');
  return secret ? `${path}: ${rule}` : `${path}=${JSON.stringify(value === undefined ? null : mask(value, secrets))}: ${rule}`;
}

/**
 * Parses environment variables with a zod object whose keys are the variable names, and freezes the
 * result. A bad value fails at start with a message that names the variable and never shows a secret.
 */
export function parseEnv<S extends z.ZodObject<Record<string, ZodTypeAny>>>(schema: S, env: Env): Readonly<z.output<S>> {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    picked[key] = value === '' ? undefined : value;
  }
  const parsed = schema.safeParse(picked);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => describeIssue(i, picked));
    throw new CallboardError('CB_CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`, { problems });
  }
  return Object.freeze(parsed.data);
}

/** Where the shared infrastructure is; the defaults match `infra/local` (docs/infra.md). */
export const infraEnvSchema = z.object({
  CB_KAFKA_PORT: portVar.default(9092),
  CB_REGISTRY_PORT: portVar.default(8081),
  CB_REDIS_PORT: portVar.default(6379),
  /** Comma-separated host:port list; defaults to 127.0.0.1:CB_KAFKA_PORT. */
  CB_KAFKA_BROKERS: z.string().regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'must be host:port[,host:port…]').optional(),
  CB_REGISTRY_URL: z.string().url().optional(),
  /** `single` (one Redis) or `cluster` (a Redis Cluster; CB_REDIS_URL lists seed nodes). */
  CB_REDIS_MODE: z.enum(['single', 'cluster'], { message: 'must be single or cluster' }).default('single'),
  /** One redis:// URL, or in cluster mode a comma-separated list of seed nodes. */
  CB_REDIS_URL: z.string().regex(/^rediss?:\/\/[^,\s]+(,rediss?:\/\/[^,\s]+)*$/, 'must be a redis:// URL, or a comma-separated list of them').optional(),
  /** The first node of the local Cluster (infra/local), the seed when cluster mode has no CB_REDIS_URL. */
  CB_REDIS_CLUSTER_PORT: portVar.default(7001),
  CB_LOG_LEVEL: logLevelVar.default('info'),
  /** Prepended to every topic name, for side-by-side environments on one cluster. */
  CB_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]{0,100}$/, 'must be letters, digits, . _ -').default(''),
});

export interface InfraConfig {
  kafkaBrokers: string[];
  registryUrl: string;
  /** The single node's URL, or the first seed node of a Cluster. */
  redisUrl: string;
  /** What {@link createRedis} connects to: one node or a Cluster (CB_REDIS_MODE). */
  redis: RedisTarget;
  logLevel: z.output<typeof logLevelVar>;
  topicPrefix: string;
}

/**
 * The Redis target of CB_REDIS_MODE and CB_REDIS_URL. Cluster mode takes one URL (a seed node: the
 * client discovers the rest) or a list; single mode refuses a list, which would otherwise silently
 * use its first node only.
 */
function redisTarget(e: z.output<typeof infraEnvSchema>): RedisTarget {
  const fallback = e.CB_REDIS_MODE === 'cluster' ? `redis://127.0.0.1:${e.CB_REDIS_CLUSTER_PORT}` : `redis://127.0.0.1:${e.CB_REDIS_PORT}`;
  const urls = (e.CB_REDIS_URL ?? fallback).split(',');
  if (e.CB_REDIS_MODE === 'single' && urls.length > 1) {
    const shown = urls.map((u) => mask(u, urlCredentials(u))).join(',');
    const problem = `CB_REDIS_URL=${JSON.stringify(shown)}: a list of ${urls.length} nodes needs CB_REDIS_MODE=cluster (CB_REDIS_MODE is single)`;
    throw new CallboardError('CB_CONFIG_INVALID', `invalid configuration: ${problem}`, { problems: [problem] });
  }
  return Object.freeze({ mode: e.CB_REDIS_MODE, urls: Object.freeze(urls) });
}

export function loadInfraConfig(env: Env): Readonly<InfraConfig> {
  const e = parseEnv(infraEnvSchema, env);
  const redis = redisTarget(e);
  return Object.freeze({
    kafkaBrokers: (e.CB_KAFKA_BROKERS ?? `127.0.0.1:${e.CB_KAFKA_PORT}`).split(','),
    registryUrl: e.CB_REGISTRY_URL ?? `http://127.0.0.1:${e.CB_REGISTRY_PORT}`,
    redisUrl: redis.urls[0]!,
    redis,
    logLevel: e.CB_LOG_LEVEL,
    topicPrefix: e.CB_TOPIC_PREFIX,
  });
}
