import type { CanonicalEventInput } from '@callboard/events';
import { callEventIdOf, callerKeyOf, callIdOf, type CallFact } from './ids.js';
import { queueIdOf } from './names.js';
import type { ResolvedOptions } from './options.js';
import { VisitBook } from './visits.js';

type FlowOutReason = 'timeout' | 'exit_key' | 'other';

/**
 * Builds the call events of both mappers from the same visit book, so a queue_log line and its AMI twin get the same
 * callId and eventId (docs/ingest/asterisk.md, "Ids").
 */
export class CallFacts {
  readonly visits: VisitBook;

  constructor(
    private readonly opts: ResolvedOptions,
    restored?: unknown,
  ) {
    this.visits = new VisitBook(restored);
  }

  private base(fact: CallFact, uniqueId: string, queue: string, visit: number, atMs: number) {
    const queueId = queueIdOf(this.opts.names, queue);
    return {
      eventId: callEventIdOf(this.opts.serverId, uniqueId, visit, queueId, fact),
      occurredAt: new Date(atMs).toISOString(),
      tenantId: this.opts.tenantId,
      source: this.opts.source,
      callId: callIdOf(this.opts.serverId, uniqueId, visit),
      queueId,
    };
  }

  offered(uniqueId: string, queue: string, atMs: number, callerNumber: string | undefined): CanonicalEventInput {
    const queueId = queueIdOf(this.opts.names, queue); // refuse an unmappable name before the visit is remembered
    const visit = this.visits.enter(uniqueId, queue, Math.floor(atMs / 1000));
    const callerKey = callerKeyOf(this.opts.callerKeySecret, callerNumber);
    return {
      ...this.base('offered', uniqueId, queue, visit, atMs),
      queueId,
      type: 'call.offered',
      channel: 'voice',
      direction: 'inbound',
      ...(callerKey === undefined ? {} : { callerKey }),
    };
  }

  /** The visit a later line belongs to, and since when it waits (epoch s), when known. */
  visitOf(uniqueId: string, queue: string, atMs: number): { visit: number; enteredSec: number | undefined } {
    return this.visits.current(uniqueId, queue, Math.floor(atMs / 1000));
  }

  answered(uniqueId: string, queue: string, atMs: number, agentId: string, waitMs: number): CanonicalEventInput {
    const { visit } = this.visitOf(uniqueId, queue, atMs);
    return { ...this.base('answered', uniqueId, queue, visit, atMs), type: 'call.answered', agentId, waitMs };
  }

  abandoned(uniqueId: string, queue: string, atMs: number, waitMs: number): CanonicalEventInput {
    const { visit } = this.visitOf(uniqueId, queue, atMs);
    return { ...this.base('abandoned', uniqueId, queue, visit, atMs), type: 'call.abandoned', waitMs };
  }

  /** @param waitMs - as written; undefined (Asterisk before 13) → the time since the visit's entry, when known, else 0 */
  flowedOut(uniqueId: string, queue: string, atMs: number, reason: FlowOutReason, waitMs: number | undefined): CanonicalEventInput {
    const { visit, enteredSec } = this.visitOf(uniqueId, queue, atMs);
    const wait = waitMs ?? (enteredSec === undefined ? 0 : Math.max(0, atMs - enteredSec * 1000));
    return { ...this.base('flowed_out', uniqueId, queue, visit, atMs), type: 'call.flowed_out', waitMs: wait, reason };
  }

  completed(uniqueId: string, queue: string, atMs: number, agentId: string, talkMs: number, transferred: boolean): Extract<CanonicalEventInput, { type: 'call.completed' }> {
    const { visit } = this.visitOf(uniqueId, queue, atMs);
    return {
      ...this.base('completed', uniqueId, queue, visit, atMs),
      type: 'call.completed',
      agentId,
      talkMs,
      holdMs: 0,
      wrapMs: Math.max(0, Math.round(this.opts.wrapUpMs(queue))),
      transferred,
    };
  }
}
