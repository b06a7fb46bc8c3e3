import { z } from 'zod';
import { type Env, loadInfraConfig, type InfraConfig, parseEnv, portVar, positiveIntVar } from '@callboard/runtime';

export const ALERTER_DEFAULTS = {
  CB_ALERTER_GROUP: 'callboard-alerter',
  CB_ALERTER_HTTP_PORT: 9403,
  CB_RULES_FILE: 'config/rules.json',
  CB_ALERTER_TICK_MS: 1000,
  CB_WEBHOOK_TIMEOUT_MS: 5000,
  CB_WEBHOOK_MAX_ATTEMPTS: 10,
  CB_REDIS_NAMESPACE: 'cb',
} as const;

const schema = z.object({
  CB_ALERTER_GROUP: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/).default(ALERTER_DEFAULTS.CB_ALERTER_GROUP),
  CB_ALERTER_HTTP_PORT: z.union([z.literal('0').transform(() => 0), portVar]).default(ALERTER_DEFAULTS.CB_ALERTER_HTTP_PORT),
  CB_RULES_FILE: z.string().min(1).default(ALERTER_DEFAULTS.CB_RULES_FILE),
  CB_ALERTER_TICK_MS: positiveIntVar.min(100, 'must be at least 100').max(60_000).default(ALERTER_DEFAULTS.CB_ALERTER_TICK_MS),
  CB_WEBHOOK_TIMEOUT_MS: positiveIntVar.max(120_000).default(ALERTER_DEFAULTS.CB_WEBHOOK_TIMEOUT_MS),
  CB_WEBHOOK_MAX_ATTEMPTS: positiveIntVar.max(1000).default(ALERTER_DEFAULTS.CB_WEBHOOK_MAX_ATTEMPTS),
  CB_REDIS_NAMESPACE: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).default(ALERTER_DEFAULTS.CB_REDIS_NAMESPACE),
});

export interface AlerterConfig {
  infra: InfraConfig;
  groupId: string;
  httpPort: number;
  rulesFile: string;
  tickMs: number;
  webhookTimeoutMs: number;
  webhookMaxAttempts: number;
  redisNamespace: string;
}

export function loadAlerterConfig(env: Env): Readonly<AlerterConfig> {
  const e = parseEnv(schema, env);
  return Object.freeze({
    infra: loadInfraConfig(env),
    groupId: e.CB_ALERTER_GROUP,
    httpPort: e.CB_ALERTER_HTTP_PORT,
    rulesFile: e.CB_RULES_FILE,
    tickMs: e.CB_ALERTER_TICK_MS,
    webhookTimeoutMs: e.CB_WEBHOOK_TIMEOUT_MS,
    webhookMaxAttempts: e.CB_WEBHOOK_MAX_ATTEMPTS,
    redisNamespace: e.CB_REDIS_NAMESPACE,
  });
}
