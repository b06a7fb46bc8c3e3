import type { CanonicalEventInput } from '@callboard/events';
import { connectTo, endCall, type AgentBook } from './agents.js';
import { guarded, outcomeOf, secondsField } from './build.js';
import { openBooks } from './books.js';
import { agentIdOf, queueIdOf } from './names.js';
import { resolveOptions, type AsteriskMapperOptions, type MapOutcome } from './options.js';
import type { QueueLogLine } from './queue-log-line.js';

/** A stateful queue_log mapper: lines in file order → canonical events. */
export interface QueueLogMapper {
  map(line: QueueLogLine): MapOutcome;
  /** The mapper's state as JSON (visits and members), for a durable restart: `createQueueLogMapper(opts, snapshot)`. */
  snapshot(): unknown;
}

const CODE = 'CB_ASTERISK_LINE_INVALID';
const NONE = 'NONE';

/** The hold time and call time of a transfer line, read from the end: the fields before them differ by kind and version. */
function transferTimes(line: QueueLogLine): { holdField: string | undefined; callField: string | undefined } {
  const d = line.data;
  // TRANSFER of Asterisk 1.4 has exten|context|holdtime|calltime; every later layout ends holdtime|calltime|origposition.
  if (line.event === 'TRANSFER' && d.length === 4) return { holdField: d[2], callField: d[3] };
  return { holdField: d[d.length - 3], callField: d[d.length - 2] };
}

/**
 * Maps app_queue's queue_log (docs/ingest/asterisk.md has the table). Calls: ENTERQUEUE → call.offered; CONNECT →
 * call.answered; COMPLETECALLER / COMPLETEAGENT → call.completed; TRANSFER / BLINDTRANSFER / ATTENDEDTRANSFER →
 * call.completed with transferred; ABANDON → call.abandoned; EXITWITHTIMEOUT / EXITWITHKEY / EXITEMPTY →
 * call.flowed_out (timeout, exit_key, other). Members: ADDMEMBER, REMOVEMEMBER, PAUSE, UNPAUSE, PAUSEALL, UNPAUSEALL,
 * AGENTLOGIN, AGENTLOGOFF, CONNECT and the call ends → agent.state_changed. Everything else is skipped.
 *
 * @param restored - a {@link QueueLogMapper.snapshot}; the mapper goes on as if it had read the lines before it
 */
export function createQueueLogMapper(opts: AsteriskMapperOptions, restored?: unknown): QueueLogMapper {
  const o = resolveOptions(opts);
  const books = openBooks(o, 'queue_log', restored);
  const { calls, agents } = books;

  const member = (line: QueueLogLine, atMs: number, change: Parameters<AgentBook['update']>[4]): CanonicalEventInput[] => {
    agentIdOf(o.names, line.agent);
    if (line.queue !== NONE) queueIdOf(o.names, line.queue);
    return agents.update(line.agent, atMs, line.event, [line.uniqueId, line.queue, ...line.data], change);
  };

  function mapLine(line: QueueLogLine): MapOutcome {
    const atMs = Math.round(line.epochSec * 1000);
    const { uniqueId, queue, agent, event, data } = line;
    const what = `${event} line`;
    const hasCall = uniqueId !== NONE && queue !== NONE;
    const hasMember = agent !== NONE;
    const done = (events: CanonicalEventInput[]): MapOutcome => outcomeOf(events, CODE, what);
    switch (event) {
      case 'ENTERQUEUE': {
        if (!hasCall) return { events: [], skipped: event };
        // url|callerid|position since 1.8 (url|callerid before): the caller id is the one before the position.
        const callerNumber = data.length >= 3 && /^\d+$/.test(data[data.length - 1] ?? '') ? data[data.length - 2] : data[1];
        return done([calls.offered(uniqueId, queue, atMs, callerNumber)]);
      }
      case 'CONNECT': {
        if (!hasCall || !hasMember) return { events: [], skipped: event };
        const waitMs = secondsField(data[0], CODE, 'the holdtime (first data field) of a CONNECT line');
        const agentId = agentIdOf(o.names, agent);
        const answered = calls.answered(uniqueId, queue, atMs, agentId, waitMs);
        const states = member(line, atMs, connectTo(queue, uniqueId));
        return done([answered, ...states]);
      }
      case 'COMPLETECALLER':
      case 'COMPLETEAGENT':
      case 'TRANSFER':
      case 'BLINDTRANSFER':
      case 'ATTENDEDTRANSFER': {
        if (!hasCall || !hasMember) return { events: [], skipped: event };
        const transferred = !event.startsWith('COMPLETE');
        const callField = transferred ? transferTimes(line).callField : data[1];
        const talkMs = secondsField(callField, CODE, `the calltime of a ${event} line`);
        const agentId = agentIdOf(o.names, agent);
        const completed = calls.completed(uniqueId, queue, atMs, agentId, talkMs, transferred);
        const states = member(line, atMs, endCall(queue, uniqueId, atMs + completed.wrapMs));
        return done([completed, ...states]);
      }
      case 'ABANDON': {
        if (!hasCall) return { events: [], skipped: event };
        const waitMs = secondsField(data[2], CODE, 'the waittime (third data field) of an ABANDON line');
        return done([calls.abandoned(uniqueId, queue, atMs, waitMs)]);
      }
      case 'EXITWITHTIMEOUT':
      case 'EXITEMPTY':
      case 'EXITWITHKEY': {
        if (!hasCall) return { events: [], skipped: event };
        // position|origposition|waittime (EXITWITHKEY: key|position|origposition|waittime); before 13 only the positions.
        const waitField = event === 'EXITWITHKEY' ? data[3] : data[2];
        const waitMs = waitField === undefined || waitField === '' ? undefined : secondsField(waitField, CODE, `the waittime of an ${event} line`);
        const reason = event === 'EXITWITHTIMEOUT' ? 'timeout' : event === 'EXITWITHKEY' ? 'exit_key' : 'other';
        return done([calls.flowedOut(uniqueId, queue, atMs, reason, waitMs)]);
      }
      case 'ADDMEMBER':
      case 'REMOVEMEMBER':
      case 'PAUSE':
      case 'UNPAUSE': {
        if (!hasMember || queue === NONE) return { events: [], skipped: event };
        return done(
          member(line, atMs, (rec) => {
            if (event === 'REMOVEMEMBER') {
              delete rec.queues[queue];
              return;
            }
            if (event === 'ADDMEMBER') rec.loggedOut = false;
            const paused = event === 'PAUSE' || (event === 'ADDMEMBER' && data[0] === 'PAUSED');
            const reason = event === 'PAUSE' && data[0] ? data[0] : undefined;
            rec.queues[queue] = reason === undefined ? { paused } : { paused, reason };
          }),
        );
      }
      case 'PAUSEALL':
      case 'UNPAUSEALL': {
        // app_queue writes PAUSEALL with the member's interface, then PAUSE with its member name in each queue.
        if (!hasMember || !agents.hasQueues(agent)) return { events: [], skipped: event };
        for (const q of agents.queuesOf(agent)) queueIdOf(o.names, q);
        return done(
          member(line, atMs, (rec) => {
            for (const q of Object.keys(rec.queues)) {
              rec.queues[q] = event === 'PAUSEALL' ? (data[0] ? { paused: true, reason: data[0] } : { paused: true }) : { paused: false };
            }
          }),
        );
      }
      case 'AGENTLOGIN':
      case 'AGENTCALLBACKLOGIN':
      case 'AGENTLOGOFF':
      case 'AGENTCALLBACKLOGOFF': {
        if (!hasMember) return { events: [], skipped: event };
        const login = event.endsWith('LOGIN');
        return done(
          member(line, atMs, (rec) => {
            rec.loggedIn = login;
            rec.loggedOut = !login;
            if (!login) rec.calls = [];
          }),
        );
      }
      default:
        return { events: [], skipped: event };
    }
  }

  return {
    map: (line) => guarded(() => mapLine(line)),
    snapshot: books.snapshot,
  };
}
