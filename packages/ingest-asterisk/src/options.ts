import { CallboardError } from '@callboard/errors';
import { IDENTIFIER_PATTERN, type CanonicalEvent } from '@callboard/events';
import { EMPTY_NAME_MAP, type NameMap } from './names.js';

/** What both mappers (queue_log and AMI) take. */
export interface AsteriskMapperOptions {
  tenantId: string;
  /** This PBX's identity, an identifier; it goes into every eventId and callId, so two PBXs never share one. */
  serverId: string;
  /** The canonical `source` field; default `asterisk:<serverId>`. */
  source?: string;
  /** Queue and member name → identifier; default: the reversible rule of `encodeName` for every name. */
  names?: NameMap;
  /** The queue's `wrapuptime` in ms (queue_log cannot tell the end of wrap-up); default 0. */
  wrapUpMs?: (queueName: string) => number;
  /** HMAC-SHA-256 key for `callerKey`; absent → no callerKey. Never logged. */
  callerKeySecret?: string;
  /** Whether to emit `agent.state_changed`; false when AMI supplies agent states (no double counting). Default true. */
  agentStates?: boolean;
  /**
   * Epoch ms for an AMI event without a `Timestamp` header (manager.conf `timestampevents = no`); default `Date.now`.
   * queue_log lines carry their own time and never use it.
   */
  clock?: () => number;
}

/**
 * What one queue_log line or AMI event maps to: its canonical events (each valid per the contract), or `skipped`
 * naming the event kind that was counted and skipped (never an error), or `error` for a line of a known kind whose
 * data does not make sense (`CB_ASTERISK_LINE_INVALID`, `CB_ASTERISK_AMI_INVALID`, `CB_ASTERISK_NAME_INVALID`).
 */
export interface MapOutcome {
  events: CanonicalEvent[];
  skipped?: string;
  error?: CallboardError;
}

/** The options with their defaults, checked. */
export interface ResolvedOptions {
  tenantId: string;
  serverId: string;
  source: string;
  names: NameMap;
  wrapUpMs: (queueName: string) => number;
  callerKeySecret: string | undefined;
  agentStates: boolean;
  clock: () => number;
}

/** @throws CallboardError `CB_CONFIG_INVALID` for a tenantId or serverId that is not an identifier */
export function resolveOptions(opts: AsteriskMapperOptions): ResolvedOptions {
  for (const field of ['tenantId', 'serverId'] as const) {
    if (!IDENTIFIER_PATTERN.test(opts[field])) {
      throw new CallboardError('CB_CONFIG_INVALID', `Asterisk mapper: ${field} must match [A-Za-z0-9_.-]{1,64}`);
    }
  }
  const source = opts.source ?? `asterisk:${opts.serverId}`;
  if (source.length > 128) throw new CallboardError('CB_CONFIG_INVALID', 'Asterisk mapper: source is longer than 128 characters');
  return {
    tenantId: opts.tenantId,
    serverId: opts.serverId,
    source,
    names: opts.names ?? EMPTY_NAME_MAP,
    wrapUpMs: opts.wrapUpMs ?? (() => 0),
    callerKeySecret: opts.callerKeySecret,
    agentStates: opts.agentStates ?? true,
    clock: opts.clock ?? Date.now,
  };
}
