/**
 * An independent count of a queue_log, for tests only (issue 10 acceptance 1). It reads the
 * `epoch|uniqueid|queue|agent|event|data…` text itself and never uses packages/ingest-asterisk, so
 * the mapper, the oracle and the live pipeline are checked against something that shares none of
 * their code.
 *
 * Two sets of figures per queue name:
 * - `asterisk`: what app_queue's own counters (`queue show`, the AMI `QueueParams` event) hold
 *   after the run, as apps/app_queue.c keeps them:
 *   - `completed` (C:) is `update_queue()`: a connected call that ended, by COMPLETECALLER,
 *     COMPLETEAGENT or a transfer (TRANSFER, BLINDTRANSFER, ATTENDEDTRANSFER);
 *   - `completedInSl` counts those whose CONNECT holdtime was ≤ `servicelevel` (app_queue decides
 *     `callcompletedinsl` when the member answers, and counts it when the call ends);
 *   - `abandoned` (A:) is `record_abandoned()`, which queue_exec calls for ABANDON and also for
 *     EXITWITHTIMEOUT and EXITEMPTY (never for EXITWITHKEY);
 *   - `abandonedInSl` counts those that waited ≤ `servicelevel` (ASTERISK-26559, Asterisk 15+);
 *   - `sl` = 100 × completedInSl / completed and `sl2` = 100 × (completedInSl + abandonedInSl) /
 *     (completed + abandoned), `null` where app_queue would print 0.0 for no calls.
 * - `callboard`: the counters of DESIGN §3 that the mapping table implies (ENTERQUEUE
 *   offered; CONNECT answered with waitMs = holdtime; COMPLETE* and transfers completed with
 *   talkMs = calltime; ABANDON abandoned; EXITWITHTIMEOUT / EXITWITHKEY / EXITEMPTY flowed out),
 *   at most one offer, one answer-or-abandon-or-flow-out and one completion per visit (one entry of a
 *   uniqueid into a queue; an ENTERQUEUE of a call already offered to that queue starts another), as
 *   the oracle's state machine keeps them.
 *
 * A line that occurs twice verbatim is one fact (a feed read twice, not a second call). A line app_queue
 * cannot have written (no five leading fields, no epoch in seconds, control characters, a counted event
 * without its data fields or with a non-number where seconds are read) is counted in `invalidLines` and
 * left out.
 */

/** app_queue's own counters of one queue. */
export interface AsteriskQueueCounters {
  completed: number;
  completedInSl: number;
  abandoned: number;
  abandonedInSl: number;
  /** Percent, as `queue show` prints it; `null` with no completed call. */
  sl: number | null;
  /** Percent; `null` with no completed or abandoned call. */
  sl2: number | null;
}

/** The callboard counters of one queue (DESIGN §3), counted straight from the text. */
export interface CallboardQueueCounters {
  offered: number;
  answered: number;
  abandoned: number;
  flowedOut: number;
  answeredWithinSl: number;
  abandonedWithinSl: number;
  abandonedShort: number;
  completed: number;
  transferred: number;
  talkMs: number;
  waitMsAnswered: number;
  waitMsAbandoned: number;
  maxWaitMs: number;
}

export interface QueueLogQueueStats {
  queue: string;
  asterisk: AsteriskQueueCounters;
  callboard: CallboardQueueCounters;
  /** Visits answered whose call had not ended when the file ends (app_queue has not counted them yet). */
  stillConnected: number;
  /** Of `stillConnected`, those whose CONNECT holdtime was within `servicelevel`. */
  stillConnectedInSl: number;
  /** Visits offered with no outcome when the file ends (still waiting). */
  stillWaiting: number;
  /** EXITWITHKEY outcomes: flowed out for callboard, never counted by app_queue. */
  exitWithKey: number;
  /** EXITWITHTIMEOUT and EXITEMPTY outcomes within `servicelevel`: in app_queue's abandonedInSl, not in callboard's abandonedWithinSl. */
  exitsInSl: number;
}

export interface QueueLogStats {
  /** By queue name, as written in the file. */
  queues: Map<string, QueueLogQueueStats>;
  lines: number;
  duplicateLines: number;
  invalidLines: number[];
}

export interface QueueLogStatsOptions {
  /** queues.conf `servicelevel`, seconds; default 20 (the callboard default threshold, for comparison). */
  serviceLevelSec?: number;
  /** callboard `slThresholdMs`; default 20 000. */
  slThresholdMs?: number;
  /** callboard `shortAbandonMs`; default 5 000. */
  shortAbandonMs?: number;
}

interface Visit {
  offered: boolean;
  outcome?: 'answered' | 'abandoned' | 'flowed_out';
  connectHoldSec?: number;
  ended: boolean;
}

const COMPLETIONS = new Set(['COMPLETECALLER', 'COMPLETEAGENT', 'TRANSFER', 'BLINDTRANSFER', 'ATTENDEDTRANSFER']);
const ASTERISK_ABANDONS = new Set(['ABANDON', 'EXITWITHTIMEOUT', 'EXITEMPTY']);
const FLOW_OUTS = new Set(['EXITWITHTIMEOUT', 'EXITWITHKEY', 'EXITEMPTY']);

function emptyQueue(queue: string): QueueLogQueueStats {
  return {
    queue,
    asterisk: { completed: 0, completedInSl: 0, abandoned: 0, abandonedInSl: 0, sl: null, sl2: null },
    callboard: {
      offered: 0, answered: 0, abandoned: 0, flowedOut: 0, answeredWithinSl: 0, abandonedWithinSl: 0, abandonedShort: 0,
      completed: 0, transferred: 0, talkMs: 0, waitMsAnswered: 0, waitMsAbandoned: 0, maxWaitMs: 0,
    },
    stillConnected: 0,
    stillConnectedInSl: 0,
    stillWaiting: 0,
    exitWithKey: 0,
    exitsInSl: 0,
  };
}

/** The fewest data fields app_queue (Asterisk 16–22) writes for the events counted here. */
const MIN_DATA: Readonly<Record<string, number>> = {
  CONNECT: 1, COMPLETECALLER: 3, COMPLETEAGENT: 3, TRANSFER: 3, BLINDTRANSFER: 3, ATTENDEDTRANSFER: 3,
  ABANDON: 3, EXITWITHTIMEOUT: 3, EXITEMPTY: 3, EXITWITHKEY: 4,
};

/**
 * Whether a split line could have come from app_queue: an epoch in seconds, an event name in
 * capitals, no control characters or undecodable bytes, and for the counted events their data
 * fields, with whole seconds where they are read.
 */
function isAppQueueLine(epoch: string | undefined, event: string, data: string[], raw: string): boolean {
  // eslint-disable-next-line no-control-regex
  if (!/^\d+(\.\d+)?$/.test(epoch ?? '') || !/^[A-Z][A-Z0-9_]*$/.test(event) || /[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/.test(raw)) return false;
  const min = MIN_DATA[event];
  if (min === undefined) return true;
  if (data.length < min) return false;
  const used = event === 'CONNECT' ? [data[0]] : COMPLETIONS.has(event) ? [data.at(-3), data.at(-2)] : [data.at(-1)];
  return used.every((f) => !Number.isNaN(seconds(f)));
}

/** A whole number of seconds from a data field; NaN when it is not one. */
function seconds(field: string | undefined): number {
  return field !== undefined && /^\d+$/.test(field.trim()) ? Number(field.trim()) : NaN;
}

/**
 * Counts a queue_log's text.
 *
 * @param text - the file's content; LF or CRLF line ends, a final newline or none
 * @param options - the service-level settings to count with
 */
export function queueLogStats(text: string, options: QueueLogStatsOptions = {}): QueueLogStats {
  const serviceLevelSec = options.serviceLevelSec ?? 20;
  const slThresholdMs = options.slThresholdMs ?? 20_000;
  const shortAbandonMs = options.shortAbandonMs ?? 5_000;
  const queues = new Map<string, QueueLogQueueStats>();
  const visits = new Map<string, Visit[]>();
  const seen = new Set<string>();
  const result: QueueLogStats = { queues, lines: 0, duplicateLines: 0, invalidLines: [] };
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();

  lines.forEach((raw, index) => {
    result.lines += 1;
    if (raw.trim() === '') return;
    if (seen.has(raw)) {
      result.duplicateLines += 1;
      return;
    }
    seen.add(raw);
    const [epoch, uniqueId, queue, , event, ...data] = raw.split('|');
    if (event === undefined || uniqueId === undefined || queue === undefined || !isAppQueueLine(epoch, event, data, raw)) {
      result.invalidLines.push(index + 1);
      return;
    }
    // Member and system events name no call (uniqueid NONE, or queue NONE): nothing to count.
    if (queue === 'NONE' || uniqueId === 'NONE') return;
    // A call that enters the same queue again (it timed out and the dialplan queued it once more)
    // is a new entry for app_queue and a new visit: later lines of the call belong to the newest one.
    const visitKey = `${uniqueId}\u0000${queue}`;
    const entries = visits.get(visitKey) ?? [];
    visits.set(visitKey, entries);
    let visit = entries.at(-1);
    if (visit === undefined || (event === 'ENTERQUEUE' && visit.offered)) {
      visit = { offered: false, ended: false };
      entries.push(visit);
    }
    let q = queues.get(queue);
    const stats = () => {
      if (q === undefined) {
        q = emptyQueue(queue);
        queues.set(queue, q);
      }
      return q;
    };
    const cb = () => stats().callboard;
    const waited = (waitMs: number) => {
      cb().maxWaitMs = Math.max(cb().maxWaitMs, waitMs);
    };

    if (event === 'ENTERQUEUE') {
      if (!visit.offered) {
        visit.offered = true;
        cb().offered += 1;
      }
    } else if (event === 'CONNECT') {
      const hold = seconds(data[0]);
      if (visit.outcome !== undefined || Number.isNaN(hold)) return;
      visit.outcome = 'answered';
      visit.connectHoldSec = hold;
      cb().answered += 1;
      cb().waitMsAnswered += hold * 1000;
      if (hold * 1000 <= slThresholdMs) cb().answeredWithinSl += 1;
      waited(hold * 1000);
    } else if (COMPLETIONS.has(event)) {
      // holdtime|calltime|origposition are the last three fields of every completion and transfer
      // (ATTENDEDTRANSFER's leading fields differ by its method).
      const hold = seconds(data.at(-3));
      const call = seconds(data.at(-2));
      // A completion after an abandon or a flow-out is impossible (the oracle's anomaly); one
      // without a CONNECT in the file (a file that starts mid-call) still counts, as in app_queue.
      if (visit.ended || visit.outcome === 'abandoned' || visit.outcome === 'flowed_out' || Number.isNaN(call)) return;
      visit.ended = true;
      cb().completed += 1;
      cb().talkMs += call * 1000;
      if (event.endsWith('TRANSFER')) cb().transferred += 1;
      const a = stats().asterisk;
      a.completed += 1;
      if ((visit.connectHoldSec ?? hold) <= serviceLevelSec) a.completedInSl += 1;
    } else if (event === 'ABANDON' || FLOW_OUTS.has(event)) {
      const wait = seconds(data.at(-1));
      if (visit.outcome !== undefined || Number.isNaN(wait)) return;
      const waitMs = wait * 1000;
      waited(waitMs);
      if (event === 'ABANDON') {
        visit.outcome = 'abandoned';
        cb().abandoned += 1;
        cb().waitMsAbandoned += waitMs;
        if (waitMs <= slThresholdMs) cb().abandonedWithinSl += 1;
        if (waitMs < shortAbandonMs) cb().abandonedShort += 1;
      } else {
        visit.outcome = 'flowed_out';
        cb().flowedOut += 1;
        if (event === 'EXITWITHKEY') stats().exitWithKey += 1;
        else if (wait <= serviceLevelSec) stats().exitsInSl += 1;
      }
      if (ASTERISK_ABANDONS.has(event)) {
        const a = stats().asterisk;
        a.abandoned += 1;
        if (wait <= serviceLevelSec) a.abandonedInSl += 1;
      }
    }
  });

  for (const [key, entries] of visits) {
    const q = queues.get(key.slice(key.indexOf('\u0000') + 1));
    if (q === undefined) continue;
    for (const visit of entries) {
      if (visit.outcome === 'answered' && !visit.ended) {
        q.stillConnected += 1;
        if ((visit.connectHoldSec ?? Infinity) <= serviceLevelSec) q.stillConnectedInSl += 1;
      }
      if (visit.offered && visit.outcome === undefined) q.stillWaiting += 1;
    }
  }
  for (const q of queues.values()) {
    const a = q.asterisk;
    a.sl = a.completed > 0 ? (100 * a.completedInSl) / a.completed : null;
    a.sl2 = a.completed + a.abandoned > 0 ? (100 * (a.completedInSl + a.abandonedInSl)) / (a.completed + a.abandoned) : null;
  }
  return result;
}

/** One queue of `callboard kpi --json` / `callboard query --json`: the fields compared here. */
export interface KpiQueueJson {
  queueId: string;
  counts: Record<string, number>;
  sl: { handledOnly: number | null } & Record<string, number | null>;
}

const COMPARED = [
  'offered', 'answered', 'abandoned', 'flowedOut', 'answeredWithinSl', 'abandonedWithinSl', 'abandonedShort',
  'completed', 'transferred', 'talkMs', 'waitMsAnswered', 'waitMsAbandoned', 'maxWaitMs',
] as const satisfies readonly (keyof CallboardQueueCounters)[];

/**
 * Where KPIs computed by callboard (the oracle over imported events, or the live store) disagree
 * with the independent count of the same file; empty when they agree. Per queue:
 * - every callboard counter equals the count from the text;
 * - app_queue's own statistics follow from them: `completed` = callboard completed;
 *   `completedInSl` = answeredWithinSl less the calls still connected within SL;
 *   `abandoned` = abandoned + flowedOut − EXITWITHKEY; `abandonedInSl` = abandonedWithinSl +
 *   timeouts and empty-queue exits within SL; and with no call still connected, Asterisk's SL is
 *   `sl.handledOnly` × 100.
 *
 * @param queues - callboard's queues (tenant already picked)
 * @param stats - {@link queueLogStats} of the same file
 * @param idOf - the queueId a queue name maps to
 */
export function disagreements(queues: readonly KpiQueueJson[], stats: QueueLogStats, idOf: (name: string) => string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const s of stats.queues.values()) {
    const id = idOf(s.queue);
    seen.add(id);
    const q = queues.find((x) => x.queueId === id);
    if (q === undefined) {
      out.push(`${s.queue} (${id}): no KPIs`);
      continue;
    }
    for (const f of COMPARED) if (q.counts[f] !== s.callboard[f]) out.push(`${s.queue}.${f}: callboard ${q.counts[f]}, counted ${s.callboard[f]}`);
    const c = q.counts as Record<(typeof COMPARED)[number], number>;
    const a = s.asterisk;
    const asterisk: [string, number, number][] = [
      ['completed', a.completed, c.completed],
      ['completedInSl', a.completedInSl, c.answeredWithinSl - s.stillConnectedInSl],
      ['abandoned', a.abandoned, c.abandoned + c.flowedOut - s.exitWithKey],
      ['abandonedInSl', a.abandonedInSl, c.abandonedWithinSl + s.exitsInSl],
    ];
    for (const [name, theirs, ours] of asterisk) if (theirs !== ours) out.push(`${s.queue}: app_queue ${name} ${theirs}, from callboard's counters ${ours}`);
    if (s.stillConnected === 0 && a.sl !== null && q.sl.handledOnly !== null && Math.abs(a.sl - 100 * q.sl.handledOnly) > 1e-9) {
      out.push(`${s.queue}: app_queue SL ${a.sl} %, callboard sl.handledOnly ${q.sl.handledOnly}`);
    }
  }
  for (const q of queues) if (!seen.has(q.queueId)) out.push(`${q.queueId}: KPIs for a queue the file does not count`);
  return out;
}
