/**
 * A deterministic queue_log of a contact-center morning, written as Asterisk 18's app_queue writes it
 * (docs/ingest/asterisk.md, "The sample"): `samples/queue_log.sample` is its output with the defaults, for the demo
 * and for backfill tests. Same options, same text, on every machine.
 *
 * The floor: three queues (support, sales, billing) with the wrap-up times in {@link SAMPLE_WRAP_UP_SEC}, eight
 * members (PJSIP/2001–2008) in one to three queues each, callers arriving at random through the morning. Each
 * caller gets the member of its queue who is free first (after any wrap-up and pause); a caller who would wait longer
 * than their patience abandons, one who reaches the queue's timeout leaves with EXITWITHTIMEOUT (sales callers then
 * enter support, billing callers enter billing again), a few press a key (EXITWITHKEY). Members ring and do not answer
 * now and then (RINGNOANSWER), take breaks (PAUSEALL, then PAUSE per queue, as app_queue writes them), and
 * calls end by the caller, the agent, or a blind or attended transfer. DID, RINGCANCELED, QUEUESTART and
 * CONFIGRELOAD lines are the noise a real file has.
 */

/** The wrap-up time of each sample queue, seconds (queues.conf `wrapuptime`). */
export const SAMPLE_WRAP_UP_SEC: Readonly<Record<string, number>> = Object.freeze({ support: 15, sales: 10, billing: 0 });
/** Each sample queue's `timeout` (how long a caller may wait), seconds. */
const QUEUE_TIMEOUT_SEC: Record<string, number> = { support: 240, sales: 90, billing: 100 };
const MEMBERS: Record<string, string[]> = {
  'PJSIP/2001': ['support'],
  'PJSIP/2002': ['support'],
  'PJSIP/2003': ['support', 'billing'],
  'PJSIP/2004': ['sales'],
  'PJSIP/2005': ['sales', 'support'],
  'PJSIP/2006': ['billing'],
  'PJSIP/2007': ['billing', 'support', 'sales'],
  'PJSIP/2008': ['support'],
};
const QUEUE_SHARE: [string, number][] = [
  ['support', 0.55],
  ['sales', 0.25],
  ['billing', 0.2],
];

export interface SampleOptions {
  /** PRNG seed; default 20260302. */
  seed?: number;
  /** Start of the morning, epoch seconds; default 2026-03-02T08:00:00Z. */
  startSec?: number;
  /** Length of the morning, seconds; default 4 h. */
  durationSec?: number;
  /** Calls to generate; default 320. */
  calls?: number;
}

/** mulberry32: small, fast and the same everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Line {
  at: number;
  seq: number;
  text: string;
}

/** The sample queue_log text, one line per `\n`, ending with a newline. */
export function makeQueueLogSample(opts: SampleOptions = {}): string {
  const rand = prng(opts.seed ?? 20260302);
  const start = opts.startSec ?? Date.UTC(2026, 2, 2, 8) / 1000;
  const duration = opts.durationSec ?? 4 * 3600;
  const count = opts.calls ?? 320;
  const between = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const lines: Line[] = [];
  let seq = 0;
  const log = (at: number, uid: string, queue: string, agent: string, event: string, ...data: (string | number)[]) => {
    lines.push({ at, seq: seq++, text: [at, uid, queue, agent, event, ...data].join('|') });
  };
  let channelSeq = 100;
  const uniqueId = (at: number) => `${at}.${channelSeq++}`;

  log(start - 600, 'NONE', 'NONE', 'NONE', 'QUEUESTART', '');
  for (const [member, queues] of Object.entries(MEMBERS)) for (const q of queues) log(start - 300 + between(0, 240), 'MANAGER', q, member, 'ADDMEMBER', '');

  // Breaks: each member takes one or two, 10–20 min, announced with PAUSEALL then PAUSE per queue.
  const free: Record<string, number> = Object.fromEntries(Object.keys(MEMBERS).map((m) => [m, start]));
  const breaks: Record<string, [number, number][]> = {};
  for (const member of Object.keys(MEMBERS)) {
    breaks[member] = [];
    for (let b = 0; b < 1 + (rand() < 0.5 ? 1 : 0); b += 1) {
      const from = start + between(1800, duration - 3600) + b * 3600;
      const to = from + between(600, 1200);
      breaks[member].push([from, to]);
      const reason = rand() < 0.5 ? 'break' : 'lunch';
      log(from, 'NONE', 'NONE', member, 'PAUSEALL', '');
      for (const q of MEMBERS[member] ?? []) log(from, 'NONE', q, member, 'PAUSE', reason);
      log(to, 'NONE', 'NONE', member, 'UNPAUSEALL', '');
      for (const q of MEMBERS[member] ?? []) log(to, 'NONE', q, member, 'UNPAUSE', '');
    }
  }
  /** The first moment ≥ t the member is neither on a break nor busy. */
  const freeFrom = (member: string, t: number): number => {
    let at = Math.max(t, free[member] ?? t);
    for (const [from, to] of breaks[member] ?? []) if (at >= from && at < to) at = to;
    return at;
  };

  const waiting: Record<string, number[]> = { support: [], sales: [], billing: [] };
  const enqueue = (uid: string, queue: string, at: number, caller: string, visit: number): void => {
    waiting[queue] = (waiting[queue] ?? []).filter((leaveAt) => leaveAt > at);
    const position = (waiting[queue]?.length ?? 0) + 1;
    log(at, uid, queue, 'NONE', 'ENTERQUEUE', '', caller, position);
    const candidates = Object.keys(MEMBERS).filter((m) => MEMBERS[m]?.includes(queue));
    const best = candidates.map((m) => ({ m, at: freeFrom(m, at) })).sort((a, b) => a.at - b.at || (a.m < b.m ? -1 : 1))[0]!;
    const ring = between(3, 12);
    let answerAt = best.at + ring;
    const patience = between(20, 400);
    const timeout = QUEUE_TIMEOUT_SEC[queue] ?? 120;
    if (rand() < 0.03 && answerAt - at > 15) {
      const leaveAt = at + between(5, 15);
      waiting[queue]!.push(leaveAt);
      log(leaveAt, uid, queue, 'NONE', 'EXITWITHKEY', between(0, 9), position, position, leaveAt - at);
      return;
    }
    if (answerAt - at > Math.min(patience, timeout)) {
      if (patience < timeout) {
        const leaveAt = at + patience;
        waiting[queue]!.push(leaveAt);
        if (best.at < leaveAt) log(leaveAt, uid, queue, 'NONE', 'RINGCANCELED', (leaveAt - best.at) * 1000);
        log(leaveAt, uid, queue, 'NONE', 'ABANDON', 1, position, patience);
        return;
      }
      const leaveAt = at + timeout;
      waiting[queue]!.push(leaveAt);
      log(leaveAt, uid, queue, 'NONE', 'EXITWITHTIMEOUT', 1, position, timeout);
      if (queue === 'sales' && rand() < 0.7) enqueue(uid, 'support', leaveAt, caller, 1);
      else if (queue === 'billing' && visit === 1 && rand() < 0.6) enqueue(uid, 'billing', leaveAt + between(5, 20), caller, 2);
      return;
    }
    // Now and then the first member rings out, and the next one free answers.
    let member = best.m;
    if (rand() < 0.12) {
      log(best.at + 15, uid, queue, member, 'RINGNOANSWER', 15000);
      free[member] = best.at + 20;
      const next = candidates.map((m) => ({ m, at: freeFrom(m, best.at + 15) })).sort((a, b) => a.at - b.at || (a.m < b.m ? -1 : 1))[0]!;
      member = next.m;
      answerAt = next.at + ring;
      if (answerAt - at > Math.min(patience, timeout)) {
        const leaveAt = Math.max(best.at + 16, at + Math.min(patience, timeout));
        waiting[queue]!.push(leaveAt);
        log(leaveAt, uid, queue, 'NONE', 'ABANDON', 1, position, leaveAt - at);
        return;
      }
    }
    const hold = answerAt - at;
    waiting[queue]!.push(answerAt);
    log(answerAt, uid, queue, member, 'CONNECT', hold, uniqueId(answerAt - ring), ring);
    const talk = between(40, 420);
    const end = answerAt + talk;
    const how = rand();
    if (how < 0.06) log(end, uid, queue, member, 'BLINDTRANSFER', between(3000, 3099), 'from-internal', hold, talk, position);
    else if (how < 0.1) log(end, uid, queue, member, 'ATTENDEDTRANSFER', 'BRIDGE', `b${channelSeq++}-${between(1000, 9999)}`, hold, talk, position);
    else log(end, uid, queue, member, how < 0.6 ? 'COMPLETECALLER' : 'COMPLETEAGENT', hold, talk, position);
    free[member] = end + (SAMPLE_WRAP_UP_SEC[queue] ?? 0);
  };

  const arrivals = Array.from({ length: count }, () => start + Math.floor(rand() * duration)).sort((a, b) => a - b);
  for (const at of arrivals) {
    const r = rand();
    let acc = 0;
    const queue = QUEUE_SHARE.find(([, share]) => (acc += share) > r)?.[0] ?? 'support';
    const uid = uniqueId(at);
    const caller = `+1555${String(between(0, 449)).padStart(7, '0')}`;
    log(at, uid, queue, 'NONE', 'DID', '5551000');
    enqueue(uid, queue, at, caller, 1);
  }
  log(start + Math.floor(duration / 2), 'NONE', 'NONE', 'NONE', 'CONFIGRELOAD', '');

  lines.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return lines.map((l) => `${l.text}\n`).join('');
}
