import { CallboardError } from '@callboard/errors';
import type { CanonicalEventInput } from '@callboard/events';
import { connectTo, endCall, type AgentRecord } from './agents.js';
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

/** app_queue's member Status (AST_DEVICE_*): 4 INVALID, 5 UNAVAILABLE; 2 INUSE, 3 BUSY, 7 RINGINUSE, 8 ONHOLD. */
function deviceOf(status: string | undefined, inCall: string | undefined): AgentRecord['device'] {
  if (status === '4' || status === '5') return 'unavailable';
  if (inCall === '1' || status === '2' || status === '3' || status === '7' || status === '8') return 'busy';
  return 'free';
}

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
 */
export function createAmiMapper(opts: AsteriskMapperOptions, restored?: unknown): AmiMapper {
  const o = resolveOptions(opts);
  const books = openBooks(o, 'ami', restored);
  const { calls, agents } = books;

  function timeOf(msg: Record<string, string>): number {
    const ts = msg.Timestamp;
    if (ts !== undefined && /^\d{1,12}(\.\d{1,9})?$/.test(ts)) return Math.floor(Number(ts) * 1000);
    return o.clock();
  }

  function mapMessage(msg: Record<string, string>): MapOutcome {
    const event = msg.Event;
    if (event === undefined) return { events: [], skipped: msg.Response === undefined ? 'no Event' : 'Response' };
    const atMs = timeOf(msg);
    const what = `AMI ${event}`;
    const done = (events: CanonicalEventInput[]): MapOutcome => outcomeOf(events, CODE, what);
    const memberChange = (name: string, queue: string | undefined, change: (rec: AgentRecord) => void): CanonicalEventInput[] => {
      agentIdOf(o.names, name);
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
    snapshot: books.snapshot,
  };
}
