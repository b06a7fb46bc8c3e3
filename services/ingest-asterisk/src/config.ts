import { z } from 'zod';
import { CallboardError } from '@callboard/errors';
import { IDENTIFIER_PATTERN } from '@callboard/events';
import { parseStartFrom, type StartFrom } from './start-from.js';
import { type Env, loadInfraConfig, type InfraConfig, nonNegativeIntVar, parseEnv, portVar, positiveIntVar } from '@callboard/runtime';

/** Defaults, beside the schema (the README's "Connect a real Asterisk" lists them too). */
export const ASTERISK_INGEST_DEFAULTS = {
  CB_ASTERISK_QUEUE_LOG: '/var/log/asterisk/queue_log',
  CB_ASTERISK_STATE_DIR: '.callboard/ingest-asterisk',
  CB_ASTERISK_HTTP_PORT: 9407,
  CB_ASTERISK_AMI_PORT: 5038,
  CB_ASTERISK_WRAPUP_MS: 0,
  CB_ASTERISK_POLL_MS: 1000,
  CB_ASTERISK_CHUNK_LINES: 500,
  CB_ASTERISK_AMI_RESYNC_MS: 300_000,
  CB_ASTERISK_START_FROM: '24h',
} as const;

/** How often the AMI client reads QueueStatus again after the read that follows each login. */
export const AMI_RESYNC_DEFAULT_MS = ASTERISK_INGEST_DEFAULTS.CB_ASTERISK_AMI_RESYNC_MS;

const identifierVar = z.string().regex(IDENTIFIER_PATTERN, 'must match [A-Za-z0-9_.-]{1,64}');

/** `queue=ms,queue=ms`: each queue's wrapuptime from queues.conf, in ms. */
const wrapUpByQueueVar = z
  .string()
  .regex(/^[^=,]+=\d+(,[^=,]+=\d+)*$/, 'must be queue=ms[,queue=ms…]')
  .transform((v) => new Map(v.split(',').map((pair) => pair.split('=') as [string, string]).map(([q, ms]) => [q.trim(), Number(ms)] as const)));

/** `beginning`, `end` or a lookback (`90m`, `24h`, `7d`): used only when no position is saved. */
const startFromVar = z.string().transform((v, ctx) => {
  const parsed = parseStartFrom(v);
  if (typeof parsed === 'string') {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed });
    return z.NEVER;
  }
  return parsed;
});

const schema = z.object({
  CB_ASTERISK_QUEUE_LOG: z.string().min(1).default(ASTERISK_INGEST_DEFAULTS.CB_ASTERISK_QUEUE_LOG),
  CB_ASTERISK_SERVER_ID: identifierVar,
  CB_ASTERISK_TENANT: identifierVar,
  CB_ASTERISK_STATE_DIR: z.string().min(1).default(ASTERISK_INGEST_DEFAULTS.CB_ASTERISK_STATE_DIR),
  /** The canonical `source` of every event; default `asterisk:<server id>`. */
  CB_ASTERISK_SOURCE: z.string().min(1).max(128).optional(),
  CB_ASTERISK_QUEUES_MAP: z.string().min(1).optional(),
  CB_ASTERISK_WRAPUP_MS: nonNegativeIntVar.max(3600_000, 'must be at most 1 h').default(ASTERISK_INGEST_DEFAULTS.CB_ASTERISK_WRAPUP_MS),
  CB_ASTERISK_WRAPUP_BY_QUEUE: wrapUpByQueueVar.optional(),
  CB_ASTERISK_CALLER_KEY_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  CB_ASTERISK_AMI_HOST: z.string().min(1).optional(),
  CB_ASTERISK_AMI_PORT: portVar.default(ASTERISK_INGEST_DEFAULTS.CB_ASTERISK_AMI_PORT),
  CB_ASTERISK_AMI_USER: z.string().min(1).optional(),
  CB_ASTERISK_AMI_SECRET: z.string().min(1).optional(),
  /** The drift check: QueueStatus read again this often (it is read after every login anyway). */
  CB_ASTERISK_AMI_RESYNC_MS: positiveIntVar.min(1000).max(86_400_000).default(ASTERISK_INGEST_DEFAULTS.CB_ASTERISK_AMI_RESYNC_MS),
  /** 0 picks a free port (tests). */
  CB_ASTERISK_HTTP_PORT: z.union([z.literal('0').transform(() => 0), portVar]).default(ASTERISK_INGEST_DEFAULTS.CB_ASTERISK_HTTP_PORT),
  /** How often the file is looked at when no change notification came (fs.watch misses some, e.g. on NFS). */
  CB_ASTERISK_POLL_MS: positiveIntVar.min(10).max(60_000).default(ASTERISK_INGEST_DEFAULTS.CB_ASTERISK_POLL_MS),
  /** Lines per chunk: produced, acknowledged, then the position saved. */
  CB_ASTERISK_CHUNK_LINES: positiveIntVar.max(100_000).default(ASTERISK_INGEST_DEFAULTS.CB_ASTERISK_CHUNK_LINES),
  /** Where a first start (no saved position) begins; default 24 h back: today's figures and member states, not years of history. */
  CB_ASTERISK_START_FROM: startFromVar.default(ASTERISK_INGEST_DEFAULTS.CB_ASTERISK_START_FROM),
});

export interface AmiConfig {
  host: string;
  port: number;
  username: string;
  /** Never logged. */
  secret: string;
  /** QueueStatus is read after every login and then this often (ms); default 5 min. */
  resyncMs?: number;
}

export interface AsteriskIngestConfig {
  infra: InfraConfig;
  queueLog: string;
  serverId: string;
  tenantId: string;
  stateDir: string;
  source?: string;
  queuesMapFile?: string;
  wrapUpMs: number;
  wrapUpByQueue: ReadonlyMap<string, number>;
  callerKeySecret?: string;
  /** Undefined: no AMI; queue_log gives agent states too. */
  ami?: AmiConfig;
  httpPort: number;
  pollMs: number;
  chunkLines: number;
  /** Where to start on a queue_log with no saved position. */
  startFrom: StartFrom;
}

export function loadAsteriskIngestConfig(env: Env): Readonly<AsteriskIngestConfig> {
  const e = parseEnv(schema, env);
  const amiParts = [e.CB_ASTERISK_AMI_HOST, e.CB_ASTERISK_AMI_USER, e.CB_ASTERISK_AMI_SECRET];
  if (amiParts.some((p) => p !== undefined) && !amiParts.every((p) => p !== undefined)) {
    const problem = 'CB_ASTERISK_AMI_HOST, CB_ASTERISK_AMI_USER and CB_ASTERISK_AMI_SECRET go together: set all three for AMI, or none';
    throw new CallboardError('CB_CONFIG_INVALID', `invalid configuration: ${problem}`, { problems: [problem] });
  }
  return Object.freeze({
    infra: loadInfraConfig(env),
    queueLog: e.CB_ASTERISK_QUEUE_LOG,
    serverId: e.CB_ASTERISK_SERVER_ID,
    tenantId: e.CB_ASTERISK_TENANT,
    stateDir: e.CB_ASTERISK_STATE_DIR,
    ...(e.CB_ASTERISK_SOURCE === undefined ? {} : { source: e.CB_ASTERISK_SOURCE }),
    ...(e.CB_ASTERISK_QUEUES_MAP === undefined ? {} : { queuesMapFile: e.CB_ASTERISK_QUEUES_MAP }),
    wrapUpMs: e.CB_ASTERISK_WRAPUP_MS,
    wrapUpByQueue: e.CB_ASTERISK_WRAPUP_BY_QUEUE ?? new Map(),
    ...(e.CB_ASTERISK_CALLER_KEY_SECRET === undefined ? {} : { callerKeySecret: e.CB_ASTERISK_CALLER_KEY_SECRET }),
    ...(e.CB_ASTERISK_AMI_HOST === undefined
      ? {}
      : { ami: Object.freeze({ host: e.CB_ASTERISK_AMI_HOST, port: e.CB_ASTERISK_AMI_PORT, username: e.CB_ASTERISK_AMI_USER!, secret: e.CB_ASTERISK_AMI_SECRET!, resyncMs: e.CB_ASTERISK_AMI_RESYNC_MS }) }),
    httpPort: e.CB_ASTERISK_HTTP_PORT,
    pollMs: e.CB_ASTERISK_POLL_MS,
    chunkLines: e.CB_ASTERISK_CHUNK_LINES,
    startFrom: e.CB_ASTERISK_START_FROM,
  });
}
