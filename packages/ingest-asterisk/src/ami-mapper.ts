import { CallboardError } from '@callboard/errors';
import type { CanonicalEventInput } from '@callboard/events';
import { connectTo, endCall, type AgentRecord } from './agents.js';
import { deviceOf, QueueStatusRead } from './ami-status.js';
import { guarded, outcomeOf, secondsField } from './build.js';
import { openBooks } from './books.js';
import { agentIdOf, queueIdOf } from './names.js';
import { resolveOptions, type AsteriskMapperOptions, type MapOutcome } from './options.js';

/** A stateful AMI mapper: events in the order AMI sends them → canonical events. */
export interface AmiMapper {
  map(msg: Record<string, string>): MapOutcome;
  snapshot(): unknown;
}

const CODE = 'CB_ASTERISK_AMI_INVALID';

function required(msg: Record<string, string>, key: string): string {
  const value = msg[key];
  if (value === undefined || value.length === 0) throw new CallboardError(CODE, `AMI ${msg.Event ?? 'message'} has no ${key}`);
  return value;
}

/**
 * Maps app_queue's AMI events to the same canonical events as their queue_log twins, with the same eventIds, so that
 * a feed of both counts every fact once (docs/ingest/asterisk.md): QueueCallerJoin = ENTERQUEUE, AgentConnect =
 * CONNECT, AgentComplete = COMPLETECALLER / COMPLETEAGENT / a transfer (Reason `transfer`). AMI cannot tell how an
 * unanswered call left: app_queue's record_abandoned() raises QueueCallerAbandon for a hang-up, a timeout
 * (EXITWITHTIMEOUT) and a queue that emptied (EXITEMPTY) alike, and QueueCallerLeave follows every exit, answered or
 * not; both are skipped, and the outcome of unanswered calls comes from queue_log. Agent states come from
 * QueueMemberStatus, QueueMemberAdded, QueueMemberRemoved, QueueMemberPause, AgentConnect and AgentComplete.
 * The time is the `Timestamp` header (manager.conf `timestampevents = yes`), else `opts.clock`.
 *
 * The answer to `Action: QueueStatus` (QueueParams, QueueMember, QueueEntry up to QueueStatusComplete, one
 * ActionID) is a full status read: at its end every member is brought to what it lists, so that changes made while
 * the adapter was not connected are caught up (docs/ingest/asterisk.md, "Catching up after a reconnect").
 */
export function createAmiMapper(opts: AsteriskMapperOptions, restored?: unknown): AmiMapper {
  const o = resolveOptions(opts);
  const books = openBooks(o, 'ami', restored);
  const { calls, agents } = books;
  /** The latest time of a live event mapped (ms): a status read is never placed before it. */
  let newestMs = typeof (restored as { newestMs?: unknown } | undefined)?.newestMs === 'number' ? (restored as { newestMs: number }).newestMs : 0;
  /** Asterisk's clock minus ours, from the latest event with a Timestamp (status lines carry none). */
  let skewMs = 0;
  let read: QueueStatusRead | undefined;

  function timeOf(msg: Record<string, string>): number {
    const ts = msg.Timestamp;
    if (ts !== undefined && /^\d{1,12}(\.\d{1,9})?$/.test(ts)) {
      const atMs = Math.floor(Number(ts) * 1000);
      skewMs = atMs - o.clock();
      return atMs;
    }
    return o.clock();
  }

  /** The read of this message's ActionID; a line of another ActionID means the previous read was cut off. */
  function readOf(msg: Record<string, string>): QueueStatusRead {
    const actionId = msg.ActionID ?? '';
    if (read?.actionId !== actionId) read = new QueueStatusRead(actionId);
    return read;
  }

  /**
   * The end of a status read: its changes, as of the time it was read (Asterisk's clock as far as the latest
   * Timestamp tells it, never before the latest live event). The true time of a change made while the adapter was
   * away is unknown.
   */
  function completeRead(msg: Record<string, string>): MapOutcome {
    const r = readOf(msg);
    read = undefined;
    const listed = msg.ListItems;
    if (r.broken || (listed !== undefined && /^\d+$/.test(listed) && Number(listed) !== r.items)) {
      return { events: [], error: new CallboardError(CODE, `AMI QueueStatus ${r.actionId}: ${r.broken ? 'a member line could not be read' : `${r.items} of ${listed} list items received`}; not applied`) };
    }
    const atMs = Math.max(o.clock() + skewMs, newestMs + 1);
    newestMs = atMs;
    return outcomeOf(r.apply(agents, o, atMs), CODE, 'AMI QueueStatus');
  }

  function mapMessage(msg: Record<string, string>): MapOutcome {
    const event = msg.Event;
    if (event === undefined) return { events: [], skipped: msg.Response === undefined ? 'no Event' : 'Response' };
    switch (event) {
      case 'QueueParams':
      case 'QueueEntry':
        readOf(msg).items += 1;
        return { events: [] };
      case 'QueueMember': {
        const r = readOf(msg);
        r.items += 1;
        r.member(msg, o);
        return { events: [] };
      }
      case 'QueueStatusComplete':
        return completeRead(msg);
    }
    const atMs = timeOf(msg);
    newestMs = Math.max(newestMs, atMs);
    const what = `AMI ${event}`;
    const done = (events: CanonicalEventInput[]): MapOutcome => outcomeOf(events, CODE, what);
    const memberChange = (name: string, queue: string | undefined, change: (rec: AgentRecord) => void): CanonicalEventInput[] => {
      read?.touch(agentIdOf(o.names, name));
      if (queue !== undefined) queueIdOf(o.names, queue);
      const detail = [msg.Queue ?? '', msg.Uniqueid ?? '', msg.Status ?? '', msg.Paused ?? '', msg.InCall ?? '', msg.PausedReason ?? msg.Reason ?? ''];
      return agents.update(name, atMs, `ami-${event}`, detail, change);
    };
    switch (event) {
      case 'QueueCallerJoin': {
        const queue = required(msg, 'Queue');
        return done([calls.offered(required(msg, 'Uniqueid'), queue, atMs, msg.CallerIDNum)]);
      }
      case 'AgentConnect': {
        const queue = required(msg, 'Queue');
        const uniqueId = required(msg, 'Uniqueid');
        const name = required(msg, 'MemberName');
        const waitMs = secondsField(msg.HoldTime, CODE, 'AMI AgentConnect HoldTime');
        const answered = calls.answered(uniqueId, queue, atMs, agentIdOf(o.names, name), waitMs);
        const states = memberChange(name, queue, connectTo(queue, uniqueId));
        return done([answered, ...states]);
      }
      case 'AgentComplete': {
        const queue = required(msg, 'Queue');
        const uniqueId = required(msg, 'Uniqueid');
        const name = required(msg, 'MemberName');
        const talkMs = secondsField(msg.TalkTime, CODE, 'AMI AgentComplete TalkTime');
        const completed = calls.completed(uniqueId, queue, atMs, agentIdOf(o.names, name), talkMs, msg.Reason === 'transfer');
        const states = memberChange(name, queue, endCall(queue, uniqueId, atMs + completed.wrapMs));
        return done([completed, ...states]);
      }
      case 'QueueMemberAdded':
      case 'QueueMemberStatus':
      case 'QueueMemberPause': {
        const queue = required(msg, 'Queue');
        const name = required(msg, 'MemberName');
        return done(
          memberChange(name, queue, (rec) => {
            const paused = msg.Paused === '1';
            const reason = paused ? (msg.PausedReason ?? msg.Reason) : undefined;
            rec.queues[queue] = reason ? { paused, reason } : { paused };
            if (event !== 'QueueMemberPause') rec.device = deviceOf(msg.Status, msg.InCall);
            if (event === 'QueueMemberAdded') rec.loggedOut = false;
          }),
        );
      }
      case 'QueueMemberRemoved': {
        const queue = required(msg, 'Queue');
        return done(memberChange(required(msg, 'MemberName'), queue, (rec) => void delete rec.queues[queue]));
      }
      default:
        return { events: [], skipped: event };
    }
  }

  return {
    map: (msg) => guarded(() => mapMessage(msg)),
    snapshot: () => ({ ...(books.snapshot() as object), newestMs }),
  };
}
