import { createPrng } from '../../../packages/kpi/test/helpers/prng.js';

/**
 * A synthetic app_queue queue_log for the adapter's tests, in the format Asterisk 16–22 write
 * (`epoch|uniqueid|queue|agent|event|data…`): members added at the start, calls that are answered and
 * completed, abandoned or time out, ring-no-answers, a pause, and one line of garbage. Deterministic
 * for a seed; every line at or before `endSec`.
 */
export interface QueueLogFixture {
  lines: string[];
  /** 1-based numbers of the lines that are not app_queue's (they go to the DLQ). */
  garbageLineNos: number[];
}

export function queueLogFixture(options: { seed: number; startSec: number; endSec: number; queues?: string[]; agents?: string[]; callEverySec?: number }): QueueLogFixture {
  const random = createPrng(options.seed);
  const queues = options.queues ?? ['support', 'sales'];
  const agents = options.agents ?? ['PJSIP/100', 'PJSIP/101', 'PJSIP/102', 'PJSIP/103'];
  const every = options.callEverySec ?? 15;
  const entries: { t: number; seq: number; text: string }[] = [];
  let seq = 0;
  const add = (t: number, text: string) => {
    if (t <= options.endSec) entries.push({ t, seq: seq++, text });
  };
  const start = options.startSec;
  add(start, `${start}|NONE|NONE|NONE|QUEUESTART|`);
  for (const queue of queues) for (const agent of agents) add(start, `${start}|NONE|${queue}|${agent}|ADDMEMBER|`);
  const busyUntil = new Map(agents.map((a) => [a, 0]));
  let uid = 0;
  for (let t = start + 5; t < options.endSec; t += every) {
    for (const queue of queues) {
      uid += 1;
      const at = t + Math.floor(random() * every);
      const id = `${at}.${uid}`;
      add(at, `${at}|${id}|${queue}|NONE|ENTERQUEUE||0155501${String(uid % 1000).padStart(3, '0')}|1`);
      const wait = 1 + Math.floor(random() * 40);
      const roll = random();
      const free = agents.find((a) => (busyUntil.get(a) ?? 0) < at + wait);
      if (roll < 0.75 && free) {
        if (random() < 0.2) add(at + 1, `${at + 1}|${id}|${queue}|${free}|RINGNOANSWER|1000`);
        const talk = 20 + Math.floor(random() * 200);
        busyUntil.set(free, at + wait + talk);
        add(at + wait, `${at + wait}|${id}|${queue}|${free}|CONNECT|${wait}|${at + wait}.9${uid}|2`);
        add(at + wait + talk, `${at + wait + talk}|${id}|${queue}|${free}|${random() < 0.5 ? 'COMPLETECALLER' : 'COMPLETEAGENT'}|${wait}|${talk}|1`);
      } else if (roll < 0.9) {
        add(at + wait, `${at + wait}|${id}|${queue}|NONE|ABANDON|1|1|${wait}`);
      } else {
        add(at + wait, `${at + wait}|${id}|${queue}|NONE|EXITWITHTIMEOUT|1|1|${wait}`);
      }
    }
  }
  const pauseAt = start + Math.floor((options.endSec - start) / 3);
  add(pauseAt, `${pauseAt}|NONE|${queues[0]}|${agents[0]}|PAUSE|lunch`);
  add(pauseAt + 300, `${pauseAt + 300}|NONE|${queues[0]}|${agents[0]}|UNPAUSE|`);
  const sorted = entries.sort((a, b) => a.t - b.t || a.seq - b.seq).map((e) => e.text);
  // Garbage a quarter of the way in: not app_queue's, it must go to the DLQ and never stop the tail.
  const garbageAt = Math.floor(sorted.length / 4);
  sorted.splice(garbageAt, 0, 'this is not|a queue_log line');
  return { lines: sorted, garbageLineNos: [garbageAt + 1] };
}

/**
 * What app_queue tells AMI about the same floor as `lines` (manager.conf `timestampevents = yes`):
 * QueueMemberAdded, QueueMemberPause, QueueCallerJoin, AgentConnect, AgentComplete and
 * QueueCallerAbandon with the lines' uniqueids and times. AMI has no flow-out event, so EXITWITH*
 * lines have no twin; garbage and skipped kinds have none either.
 */
export function amiTwinsOf(lines: readonly string[]): Record<string, string>[] {
  const out: Record<string, string>[] = [];
  for (const raw of lines) {
    const [epoch, uniqueId, queue, agent, event, ...data] = raw.split('|');
    if (!epoch || !/^\d+$/.test(epoch)) continue;
    const base = { Privilege: 'agent,all', Timestamp: `${epoch}.000100`, Queue: queue ?? '' };
    const member = { MemberName: agent ?? '', Interface: agent ?? '', StateInterface: agent ?? '', Membership: 'dynamic', Penalty: '0' };
    switch (event) {
      case 'ADDMEMBER':
        out.push({ Event: 'QueueMemberAdded', ...base, ...member, CallsTaken: '0', LastCall: '0', InCall: '0', Status: '1', Paused: '0', PausedReason: '' });
        break;
      case 'PAUSE':
      case 'UNPAUSE':
        out.push({ Event: 'QueueMemberPause', ...base, ...member, Paused: event === 'PAUSE' ? '1' : '0', PausedReason: data[0] ?? '' });
        break;
      case 'ENTERQUEUE':
        out.push({ Event: 'QueueCallerJoin', ...base, Channel: 'PJSIP/trunk-00000001', Uniqueid: uniqueId ?? '', CallerIDNum: data[1] ?? '', Position: '1', Count: '1' });
        break;
      case 'CONNECT':
        out.push({ Event: 'AgentConnect', ...base, Uniqueid: uniqueId ?? '', ...member, HoldTime: data[0] ?? '0', RingTime: data[2] ?? '0' });
        break;
      case 'COMPLETECALLER':
      case 'COMPLETEAGENT':
        out.push({ Event: 'AgentComplete', ...base, Uniqueid: uniqueId ?? '', ...member, HoldTime: data[0] ?? '0', TalkTime: data[1] ?? '0', Reason: event === 'COMPLETECALLER' ? 'caller' : 'agent' });
        break;
      case 'ABANDON':
        out.push({ Event: 'QueueCallerAbandon', ...base, Uniqueid: uniqueId ?? '', Position: data[0] ?? '1', OriginalPosition: data[1] ?? '1', HoldTime: data[2] ?? '0' });
        break;
      default:
        break;
    }
  }
  return out;
}
