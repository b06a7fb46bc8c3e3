import { isCallEvent, type CanonicalEvent } from '@callboard/events';
import { applyToVisit, visitKey, type VisitState } from '@callboard/kpi';

/**
 * The per-queue figures of `callboard import asterisk`, in callboard's terms and in app_queue's own
 * (`queue show`: C, A, SL, SL2 within `servicelevel`), computed from the canonical events the import
 * wrote or sent, so a reader can set the import beside the PBX's own statistics (issue 10 acceptance 1).
 *
 * Each call event goes through the per-visit state machine of packages/kpi ({@link applyToVisit}): an
 * event it does not apply (a repeated line, an impossible transition) counts for nothing, as in the
 * oracle. Then, per visit (one call's stay in one queue):
 * - callboard: `offered`, `answered`, `abandoned`, `flowedOut`, `completed` are the applied events;
 *   `answeredWithinSl` the answers with `waitMs ≤ slThresholdMs` (DESIGN §3);
 * - app_queue (apps/app_queue.c; docs/ingest/asterisk.md has the table):
 *   - `completed` (C) is `update_queue()`, at the end of a connected call: every applied
 *     `call.completed`, transfers included;
 *   - `completedInSl`: those whose answer waited `≤ servicelevel` (app_queue decides at the answer and
 *     counts at the end, so a call still talking when the file ends is in neither);
 *   - `abandoned` (A) is `record_abandoned()`: `call.abandoned` and every `call.flowed_out` except
 *     an exit by key (`reason: exit_key`): app_queue counts EXITWITHTIMEOUT and EXITEMPTY as abandoned;
 *   - `abandonedInSl`: those that waited `≤ servicelevel`;
 *   - `sl` = 100 × completedInSl / completed, `sl2` = 100 × (completedInSl + abandonedInSl) /
 *     (completed + abandoned); `null` where the denominator is 0 (`queue show` prints 0.0).
 *
 * Memory grows with the visits of the file (a few numbers each), not with its events.
 */

/** What app_queue's counters hold for a queue after the calls of the file (`queue show`). */
export interface AppQueueFigures {
  /** queues.conf `servicelevel` the figures are counted with, seconds. */
  servicelevel: number;
  /** `C:` callscompleted. */
  completed: number;
  /** `A:` callsabandoned. */
  abandoned: number;
  /** callscompletedinsl. */
  completedInSl: number;
  /** callsabandonedinsl. */
  abandonedInSl: number;
  /** `SL:` percent; null with no completed call. */
  sl: number | null;
  /** `SL2:` percent; null with no completed or abandoned call. */
  sl2: number | null;
}

/** callboard's counters of a queue over the whole file (DESIGN §3). */
export interface CallboardFigures {
  /** The threshold `answeredWithinSl` is counted with, ms. */
  slThresholdMs: number;
  offered: number;
  answered: number;
  abandoned: number;
  flowedOut: number;
  answeredWithinSl: number;
  completed: number;
}

/** One queue of the summary. */
export interface QueueSummary {
  /** The queue's name as Asterisk writes it. */
  queue: string;
  queueId: string;
  callboard: CallboardFigures;
  appQueue: AppQueueFigures;
  /** Answered, not ended when the file ends: in callboard's `answered`, not yet in app_queue's C. */
  stillTalking: number;
  /** Of `stillTalking`, answered within `servicelevel`. */
  stillTalkingInSl: number;
  /** Offered with no outcome when the file ends. */
  stillWaiting: number;
  /** Flowed out by a key (EXITWITHKEY): never in app_queue's A. */
  exitWithKey: number;
  /** Completed with no answer in the file (it began before the file): in C, and not in completedInSl, the wait being unknown. */
  completedWithoutAnswer: number;
}

/** Where the summary's per-queue settings come from. */
export interface AsteriskSummaryOptions {
  /** The Asterisk name of a queueId (the inverse of the import's name rule or mapping file). */
  nameOf(queueId: string): string;
  /** callboard's `slThresholdMs` for a queue. */
  slThresholdMs(queueId: string): number;
  /** app_queue's `servicelevel` for a queue, seconds. */
  servicelevelSec(queue: string, queueId: string): number;
}

interface Visit {
  queueId: string;
  state: VisitState;
  /** The applied outcome's wait, ms. */
  waitMs?: number;
  flowReason?: string;
}

/** Percent of `part` in `whole`, null for an empty whole. */
function percent(part: number, whole: number): number | null {
  return whole > 0 ? (100 * part) / whole : null;
}

/** Accumulates the figures of {@link QueueSummary} from canonical events, in the order the import emits them. */
export class AsteriskSummary {
  private readonly visits = new Map<string, Visit>();

  constructor(private readonly options: AsteriskSummaryOptions) {}

  /** Takes one emitted event; agent events and events the visit does not apply count for nothing. */
  observe(event: CanonicalEvent): void {
    if (!isCallEvent(event)) return;
    const key = visitKey(event);
    let visit = this.visits.get(key);
    if (visit === undefined) {
      visit = { queueId: event.queueId, state: {} };
      this.visits.set(key, visit);
    }
    const next = applyToVisit(visit.state, event);
    if (next.verdict !== 'applied') return;
    visit.state = next.state;
    if (event.type === 'call.answered' || event.type === 'call.abandoned' || event.type === 'call.flowed_out') {
      visit.waitMs = event.waitMs;
      if (event.type === 'call.flowed_out') visit.flowReason = event.reason;
    }
  }

  /** The figures per queue, sorted by Asterisk name. */
  queues(): QueueSummary[] {
    const byQueue = new Map<string, QueueSummary>();
    for (const visit of this.visits.values()) {
      let q = byQueue.get(visit.queueId);
      if (q === undefined) {
        q = this.emptyQueue(visit.queueId);
        byQueue.set(visit.queueId, q);
      }
      count(q, visit);
    }
    for (const q of byQueue.values()) {
      const a = q.appQueue;
      a.sl = percent(a.completedInSl, a.completed);
      a.sl2 = percent(a.completedInSl + a.abandonedInSl, a.completed + a.abandoned);
    }
    return [...byQueue.values()].sort((x, y) => (x.queue < y.queue ? -1 : x.queue > y.queue ? 1 : 0));
  }

  private emptyQueue(queueId: string): QueueSummary {
    const queue = this.options.nameOf(queueId);
    return {
      queue,
      queueId,
      callboard: { slThresholdMs: this.options.slThresholdMs(queueId), offered: 0, answered: 0, abandoned: 0, flowedOut: 0, answeredWithinSl: 0, completed: 0 },
      appQueue: { servicelevel: this.options.servicelevelSec(queue, queueId), completed: 0, abandoned: 0, completedInSl: 0, abandonedInSl: 0, sl: null, sl2: null },
      stillTalking: 0,
      stillTalkingInSl: 0,
      stillWaiting: 0,
      exitWithKey: 0,
      completedWithoutAnswer: 0,
    };
  }
}

/** Adds one visit's facts to its queue. */
function count(q: QueueSummary, visit: Visit): void {
  const cb = q.callboard;
  const a = q.appQueue;
  const slMs = a.servicelevel * 1000;
  const { state, waitMs = 0 } = visit;
  const outcome = state.outcome?.type;
  if (state.offered !== undefined) cb.offered += 1;
  if (outcome === 'call.answered') {
    cb.answered += 1;
    if (waitMs <= cb.slThresholdMs) cb.answeredWithinSl += 1;
  } else if (outcome === 'call.abandoned' || outcome === 'call.flowed_out') {
    if (outcome === 'call.abandoned') cb.abandoned += 1;
    else cb.flowedOut += 1;
    if (visit.flowReason === 'exit_key') {
      q.exitWithKey += 1;
    } else {
      a.abandoned += 1;
      if (waitMs <= slMs) a.abandonedInSl += 1;
    }
  } else if (state.offered !== undefined && state.completed === undefined) {
    q.stillWaiting += 1;
  }
  if (state.completed !== undefined) {
    cb.completed += 1;
    a.completed += 1;
    if (outcome !== 'call.answered') q.completedWithoutAnswer += 1;
    else if (waitMs <= slMs) a.completedInSl += 1;
  } else if (outcome === 'call.answered') {
    q.stillTalking += 1;
    if (waitMs <= slMs) q.stillTalkingInSl += 1;
  }
}

/** A percentage as `queue show` prints it (`%2.1f`, 0.0 for none). */
function showPercent(p: number | null): string {
  return (p ?? 0).toFixed(1);
}

/** A name printed bare when it is a plain word, else as a JSON string. */
function printable(name: string): string {
  return /^[\w.@/-]+$/.test(name) ? name : JSON.stringify(name);
}

/** Seconds or milliseconds as whole seconds where they are, else with their fraction. */
function seconds(ms: number): string {
  return `${ms / 1000}s`;
}

/**
 * One stderr line per queue: callboard's counters, then app_queue's as `queue show` prints them
 * (`C:3, A:4, SL:66.7%, SL2:57.1% within 20s`), then the counts that explain where the two differ.
 */
export function formatQueueSummary(q: QueueSummary): string {
  const cb = q.callboard;
  const a = q.appQueue;
  const name = q.queue === q.queueId ? printable(q.queue) : `${printable(q.queue)} (${q.queueId})`;
  const notes = [
    `completedInSl=${a.completedInSl} abandonedInSl=${a.abandonedInSl}`,
    `stillTalking=${q.stillTalking} (inSl=${q.stillTalkingInSl})`,
    `stillWaiting=${q.stillWaiting}`,
    `exitWithKey=${q.exitWithKey}`,
    ...(q.completedWithoutAnswer > 0 ? [`completedWithoutAnswer=${q.completedWithoutAnswer}`] : []),
  ];
  return (
    `import: queue ${name}: callboard offered=${cb.offered} answered=${cb.answered} abandoned=${cb.abandoned} ` +
    `flowedOut=${cb.flowedOut} answeredWithinSl=${cb.answeredWithinSl} (T=${seconds(cb.slThresholdMs)}) completed=${cb.completed}; ` +
    `app_queue C:${a.completed}, A:${a.abandoned}, SL:${showPercent(a.sl)}%, SL2:${showPercent(a.sl2)}% within ${a.servicelevel}s; ` +
    notes.join(' ')
  );
}
