import { CallboardError } from '@callboard/errors';
import { asaSeconds, erlangs, requiredAgents, serviceLevel } from './erlang-c.js';

/** The live inputs of a queue's staffing projection. */
export interface PlanningInput {
  /** Calls offered in the last `intervalMs`. */
  offered: number;
  intervalMs: number;
  /** Recent average handle time; null when nothing completed recently. */
  ahtMs: number | null;
  /** Agents logged in and not away (available, on a call or in wrap-up), each counted once per queue it serves. */
  agentsStaffed: number;
  /**
   * The same agents, a multi-queue agent counted as its share of this queue ({@link effectiveAgents});
   * defaults to `agentsStaffed` (every agent serves this queue alone).
   */
  agentsStaffedEffective?: number;
  /** Calls in the queue now, not yet answered; default 0. */
  callsWaiting?: number;
  /** Agents of this queue free now; default 0. */
  agentsAvailable?: number;
  slThresholdMs: number;
  slTarget: number;
}

export interface Planning {
  arrivalsPerHour: number;
  ahtSeconds: number | null;
  /** Head count: every staffed agent of the queue, a multi-queue agent counted in full in each queue. */
  agentsStaffed: number;
  /** The staffing Erlang C is run with: each agent's share of this queue, summed ({@link effectiveAgents}). */
  agentsStaffedEffective: number;
  erlangs: number | null;
  /** For `slTarget` within `slThresholdMs`. */
  requiredAgents: number | null;
  /** Erlang C SL with `agentsStaffedEffective`. */
  projectedSl: number | null;
  /**
   * Erlang C average speed of answer with `agentsStaffedEffective`: the mean wait over every caller
   * of a steady queue, those answered at once included. Null when the agents cannot keep up.
   */
  erlangAsaSeconds: number | null;
  /** @deprecated the old name of `erlangAsaSeconds`, kept for downstream readers; same value. */
  projectedWaitSeconds: number | null;
  /** What a caller joining now can expect to wait ({@link expectedWaitNewCaller}). */
  expectedWaitNewCallerSeconds: number | null;
}

/**
 * Offered traffic of a queue in erlangs for staffing shares: 0 without arrivals, null when there are
 * arrivals but no known AHT.
 *
 * @param offered - calls offered in `intervalMs`
 * @param intervalMs - the interval's length, > 0
 * @param ahtMs - average handle time, or null
 */
export function queueLoad(offered: number, intervalMs: number, ahtMs: number | null): number | null {
  if (offered === 0) return 0;
  if (ahtMs === null || !(ahtMs > 0)) return null;
  return erlangs(offered, intervalMs / 1000, ahtMs / 1000);
}

/**
 * Effective staffing of one queue (issue 8 item 13): an agent serving the queues S counts in queue q
 * as A_q / Σ_{s∈S} A_s, where A is each queue's offered load in erlangs, so an agent's shares sum
 * to 1 over its queues instead of 1 in each. When a load in S is unknown, or S carries no load at
 * all, the agent counts 1/|S| in each.
 *
 * @param staffedAgentQueues - the skills of each agent staffed in the queue (available, on a call, in wrap-up)
 * @param queueId - the queue; an agent whose list lacks it still counts (its list is widened by it)
 * @param loadOf - a queue's load in erlangs, or null when unknown
 * @returns the sum of shares, in [0, number of agents]
 */
export function effectiveAgents(staffedAgentQueues: readonly (readonly string[])[], queueId: string, loadOf: (queueId: string) => number | null): number {
  let total = 0;
  for (const list of staffedAgentQueues) {
    const queues = new Set([queueId, ...list]);
    const loads = [...queues].map((q) => loadOf(q));
    const sum = loads.reduce<number>((s, l) => s + (l ?? 0), 0);
    if (loads.some((l) => l === null) || !(sum > 0)) total += 1 / queues.size;
    else total += (loadOf(queueId) ?? 0) / sum;
  }
  return total;
}

/** Input of {@link expectedWaitNewCaller}. */
export interface NewCallerInput {
  /** Calls in the queue now, not yet answered. */
  callsWaiting: number;
  /** Agents of the queue free now. */
  agentsAvailable: number;
  /** Agents serving the queue, shares of multi-queue agents included; may be fractional. */
  agents: number;
  ahtSeconds: number;
}

/**
 * The wait a caller joining the queue now can expect: 0 while fewer calls wait than agents are free;
 * otherwise the time for the q − free + 1 service completions it must wait for, at the rate N / AHT
 * of the N agents serving the queue: (q − free + 1) · AHT / N. With no free agent that is the
 * textbook (q + 1) · AHT / N. It ignores callers ahead who hang up, and priorities between queues.
 *
 * @returns seconds; `Infinity` when calls must wait and no agent serves the queue
 * @throws CallboardError `CB_USAGE` on a negative or non-finite input
 */
export function expectedWaitNewCaller(input: NewCallerInput): number {
  for (const [name, value] of Object.entries(input)) {
    if (!Number.isFinite(value) || value < 0) throw new CallboardError('CB_USAGE', `${name} must be a finite number >= 0`, { [name]: value });
  }
  const ahead = input.callsWaiting - input.agentsAvailable;
  if (ahead < 0) return 0;
  if (input.agents === 0) return Infinity;
  return ((ahead + 1) * input.ahtSeconds) / input.agents;
}

/**
 * An Erlang C figure for a fractional number of agents: linear between the whole numbers either side,
 * so an effective staffing of 7.5 reads between 7 and 8 agents instead of rounding half an agent away.
 */
function atAgents(agents: number, figure: (whole: number) => number): number {
  const lo = Math.floor(agents);
  const hi = Math.ceil(agents);
  if (lo === hi) return figure(lo);
  const low = figure(lo);
  const high = figure(hi);
  if (!Number.isFinite(low) || !Number.isFinite(high)) return Infinity;
  return low + (high - low) * (agents - lo);
}

/**
 * Erlang C projections for a queue now (DESIGN §3 "Planning"): how many agents the current arrival
 * rate and AHT need for the SL target, the SL and ASA to expect with the agents staffed now (their
 * effective count), and the wait of a caller joining now. Without a known AHT there is no
 * projection (null), never a guess.
 */
export function planQueue(input: PlanningInput): Planning {
  const arrivalsPerHour = (input.offered * 3600_000) / input.intervalMs;
  const effective = input.agentsStaffedEffective ?? input.agentsStaffed;
  const base = { arrivalsPerHour, agentsStaffed: input.agentsStaffed, agentsStaffedEffective: effective };
  if (input.ahtMs === null || !(input.ahtMs > 0)) {
    return { ...base, ahtSeconds: null, erlangs: null, requiredAgents: null, projectedSl: null, erlangAsaSeconds: null, projectedWaitSeconds: null, expectedWaitNewCallerSeconds: null };
  }
  const ahtSeconds = input.ahtMs / 1000;
  const targetSeconds = input.slThresholdMs / 1000;
  const a = erlangs(input.offered, input.intervalMs / 1000, ahtSeconds);
  const asa = atAgents(effective, (n) => asaSeconds(n, a, ahtSeconds));
  const erlangAsaSeconds = Number.isFinite(asa) ? asa : null;
  const wait = expectedWaitNewCaller({ callsWaiting: input.callsWaiting ?? 0, agentsAvailable: input.agentsAvailable ?? 0, agents: effective, ahtSeconds });
  return {
    ...base,
    ahtSeconds,
    erlangs: a,
    requiredAgents: requiredAgents(a, ahtSeconds, targetSeconds, input.slTarget),
    projectedSl: atAgents(effective, (n) => serviceLevel(n, a, ahtSeconds, targetSeconds)),
    erlangAsaSeconds,
    projectedWaitSeconds: erlangAsaSeconds,
    expectedWaitNewCallerSeconds: Number.isFinite(wait) ? wait : null,
  };
}
