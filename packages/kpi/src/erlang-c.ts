import { CallboardError } from '@callboard/errors';

/*
 * Erlang C staffing math (DESIGN §3, "Planning").
 *
 * The textbook form, A^N/N! · N/(N−A) over a sum of A^k/k!, overflows doubles
 * beyond ~170 agents. Everything here goes through the Erlang B recursion
 * instead, whose every step stays in [0, 1], so it is stable for thousands of
 * agents and costs O(N).
 *
 * Edge rules, chosen so an idle queue reads as "fine" rather than "broken":
 * - no traffic (A = 0): nobody waits (Pw 0, SL 1, ASA 0) and 0 agents are required;
 * - A > 0 and N <= A: the queue grows without bound (Pw 1, SL 0, ASA Infinity).
 */

/** Throws CB_USAGE unless `value` is a finite number at least `min` (or above it, when `exclusive`). */
function checkNumber(name: string, value: number, min: number, exclusive = false): void {
  const ok = Number.isFinite(value) && (exclusive ? value > min : value >= min);
  if (!ok) {
    throw new CallboardError('CB_USAGE', `${name} must be a finite number ${exclusive ? '>' : '>='} ${min}`, {
      [name]: value,
    });
  }
}

/** Throws CB_USAGE unless `value` is a whole number of agents; the recursion only exists for integers. */
function checkAgents(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new CallboardError('CB_USAGE', `${name} must be a non-negative integer`, { [name]: value });
  }
}

/**
 * Throws CB_USAGE unless `ahtSeconds` is >= 0, and > 0 when there is traffic: with
 * no traffic the handle time does not matter (an idle queue may have no AHT yet),
 * with traffic a zero AHT contradicts A = λ·AHT > 0.
 */
function checkAht(ahtSeconds: number, erlangs: number): void {
  checkNumber('ahtSeconds', ahtSeconds, 0, erlangs !== 0);
}

/** Erlang B blocking probability by recursion: B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)). */
function erlangB(agents: number, erlangs: number): number {
  let b = 1;
  for (let n = 1; n <= agents; n += 1) b = (erlangs * b) / (n + erlangs * b);
  return b;
}

/** Erlang C from Erlang B, valid for N > A: C = N·B / (N − A·(1 − B)). */
function erlangCFromB(agents: number, erlangs: number, b: number): number {
  return Math.min(1, (agents * b) / (agents - erlangs * (1 - b)));
}

/** SL from Pw: 1 − Pw·exp(−(N − A)·t / AHT), for N > A. */
function serviceLevelFromPw(pw: number, agents: number, erlangs: number, ahtSeconds: number, targetSeconds: number): number {
  return Math.min(1, Math.max(0, 1 - pw * Math.exp((-(agents - erlangs) * targetSeconds) / ahtSeconds)));
}

/**
 * Offered traffic in erlangs: arrivals per second times the average handle time.
 *
 * @param callsPerInterval - arrivals in the interval, >= 0
 * @param intervalSeconds - the interval's length, > 0
 * @param ahtSeconds - average handle time, >= 0
 * @throws CallboardError `CB_USAGE` on a negative, zero interval, or non-finite input
 */
export function erlangs(callsPerInterval: number, intervalSeconds: number, ahtSeconds: number): number {
  checkNumber('callsPerInterval', callsPerInterval, 0);
  checkNumber('intervalSeconds', intervalSeconds, 0, true);
  checkNumber('ahtSeconds', ahtSeconds, 0);
  return (callsPerInterval * ahtSeconds) / intervalSeconds;
}

/**
 * Erlang C: the probability that an arriving call has to wait.
 *
 * @param agents - agents staffed, a non-negative integer
 * @param erlangs - offered traffic, >= 0
 * @returns 0 when `erlangs` is 0, 1 when `agents <= erlangs`, otherwise in (0, 1)
 * @throws CallboardError `CB_USAGE` on invalid input
 */
export function probabilityOfWaiting(agents: number, erlangs: number): number {
  checkAgents('agents', agents);
  checkNumber('erlangs', erlangs, 0);
  if (erlangs === 0) return 0;
  if (agents <= erlangs) return 1;
  return erlangCFromB(agents, erlangs, erlangB(agents, erlangs));
}

/**
 * Projected service level: the fraction of calls answered within `targetSeconds`,
 * 1 − Pw·exp(−(N − A)·t / AHT).
 *
 * @param agents - agents staffed, a non-negative integer
 * @param erlangs - offered traffic, >= 0
 * @param ahtSeconds - average handle time, > 0 (may be 0 when `erlangs` is 0)
 * @param targetSeconds - the SL threshold T, >= 0
 * @returns in [0, 1]; 1 when `erlangs` is 0, 0 when `agents <= erlangs`
 * @throws CallboardError `CB_USAGE` on invalid input
 */
export function serviceLevel(agents: number, erlangs: number, ahtSeconds: number, targetSeconds: number): number {
  const pw = probabilityOfWaiting(agents, erlangs);
  checkAht(ahtSeconds, erlangs);
  checkNumber('targetSeconds', targetSeconds, 0);
  if (erlangs === 0) return 1;
  if (agents <= erlangs) return 0;
  return serviceLevelFromPw(pw, agents, erlangs, ahtSeconds, targetSeconds);
}

/**
 * Expected average speed of answer over all calls, Pw·AHT / (N − A).
 *
 * @param agents - agents staffed, a non-negative integer
 * @param erlangs - offered traffic, >= 0
 * @param ahtSeconds - average handle time, > 0 (may be 0 when `erlangs` is 0)
 * @returns seconds; 0 when `erlangs` is 0, `Infinity` when `agents <= erlangs`
 * @throws CallboardError `CB_USAGE` on invalid input
 */
export function asaSeconds(agents: number, erlangs: number, ahtSeconds: number): number {
  const pw = probabilityOfWaiting(agents, erlangs);
  checkAht(ahtSeconds, erlangs);
  if (erlangs === 0) return 0;
  if (agents <= erlangs) return Infinity;
  return (pw * ahtSeconds) / (agents - erlangs);
}

/**
 * Expected agent occupancy, A / N, capped at 1 (agents cannot be busier than always).
 *
 * @param agents - agents staffed, a non-negative integer
 * @param erlangs - offered traffic, >= 0
 * @returns in [0, 1]; 0 when `erlangs` is 0, 1 when there is traffic and no agent
 * @throws CallboardError `CB_USAGE` on invalid input
 */
export function occupancy(agents: number, erlangs: number): number {
  checkAgents('agents', agents);
  checkNumber('erlangs', erlangs, 0);
  if (erlangs === 0) return 0;
  if (agents === 0) return 1;
  return Math.min(1, erlangs / agents);
}

/**
 * The fewest agents that meet a service-level target: the smallest N > A with
 * `serviceLevel(N) >= targetSl`. One pass of the Erlang B recursion, so O(result).
 *
 * @param erlangs - offered traffic, >= 0
 * @param ahtSeconds - average handle time, > 0 (may be 0 when `erlangs` is 0)
 * @param targetSeconds - the SL threshold T, >= 0
 * @param targetSl - the target fraction, in [0, 1]
 * @param maxAgents - where to give up, a positive integer (default 10 000)
 * @returns the agent count; 0 when `erlangs` is 0; `null` when even `maxAgents` does not meet the target
 * @throws CallboardError `CB_USAGE` on invalid input
 */
export function requiredAgents(
  erlangs: number,
  ahtSeconds: number,
  targetSeconds: number,
  targetSl: number,
  maxAgents = 10_000,
): number | null {
  checkNumber('erlangs', erlangs, 0);
  checkAht(ahtSeconds, erlangs);
  checkNumber('targetSeconds', targetSeconds, 0);
  checkNumber('targetSl', targetSl, 0);
  if (targetSl > 1) throw new CallboardError('CB_USAGE', 'targetSl must be a fraction in [0, 1]', { targetSl });
  checkAgents('maxAgents', maxAgents);
  if (erlangs === 0) return 0;
  let b = 1;
  for (let n = 1; n <= maxAgents; n += 1) {
    b = (erlangs * b) / (n + erlangs * b);
    if (n <= erlangs) continue;
    const pw = erlangCFromB(n, erlangs, b);
    if (serviceLevelFromPw(pw, n, erlangs, ahtSeconds, targetSeconds) >= targetSl) return n;
  }
  return null;
}

/** Input of {@link erlangReport}. */
export interface ErlangReportInput {
  /** Arrivals in the interval. */
  calls: number;
  intervalSeconds: number;
  ahtSeconds: number;
  /** Agents staffed now. */
  agents: number;
  /** The SL threshold T in seconds. */
  targetSeconds: number;
  /** The SL target fraction; when given, the report includes `requiredAgents`. */
  targetSl?: number;
}

/** Output of {@link erlangReport}. */
export interface ErlangReport {
  erlangs: number;
  agents: number;
  probabilityOfWaiting: number;
  serviceLevel: number;
  /** `Infinity` when the staffed agents cannot keep up. */
  asaSeconds: number;
  occupancy: number;
  /** Present when `targetSl` was given; `null` when no staffing up to 10 000 agents meets it. */
  requiredAgents?: number | null;
}

/**
 * Every planning figure for one queue and interval at once: traffic, projected SL
 * and ASA with the agents staffed now, and, given a target, the agents required.
 *
 * @throws CallboardError `CB_USAGE` on invalid input
 */
export function erlangReport(input: ErlangReportInput): ErlangReport {
  const a = erlangs(input.calls, input.intervalSeconds, input.ahtSeconds);
  const report: ErlangReport = {
    erlangs: a,
    agents: input.agents,
    probabilityOfWaiting: probabilityOfWaiting(input.agents, a),
    serviceLevel: serviceLevel(input.agents, a, input.ahtSeconds, input.targetSeconds),
    asaSeconds: asaSeconds(input.agents, a, input.ahtSeconds),
    occupancy: occupancy(input.agents, a),
  };
  if (input.targetSl !== undefined) {
    report.requiredAgents = requiredAgents(a, input.ahtSeconds, input.targetSeconds, input.targetSl);
  }
  return report;
}
