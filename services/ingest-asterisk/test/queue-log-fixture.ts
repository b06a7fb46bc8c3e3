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
