import { erlangReport } from './erlang-c.js';

/** The live inputs of a queue's staffing projection. */
export interface PlanningInput {
  /** Calls offered in the last `intervalMs`. */
  offered: number;
  intervalMs: number;
  /** Recent average handle time; null when nothing completed recently. */
  ahtMs: number | null;
  /** Agents logged in and not away: available, on a call or in wrap-up. */
  agentsStaffed: number;
  slThresholdMs: number;
  slTarget: number;
}

export interface Planning {
  arrivalsPerHour: number;
  ahtSeconds: number | null;
  agentsStaffed: number;
  erlangs: number | null;
  requiredAgents: number | null;
  projectedSl: number | null;
  projectedWaitSeconds: number | null;
}

/**
 * Erlang C projections for a queue now (DESIGN §3 "Planning"): how many agents the current arrival
 * rate and AHT need for the SL target, and the SL and wait to expect with the agents staffed now.
 * Without a known AHT there is no projection (null), never a guess.
 */
export function planQueue(input: PlanningInput): Planning {
  const arrivalsPerHour = (input.offered * 3600_000) / input.intervalMs;
  const base = { arrivalsPerHour, agentsStaffed: input.agentsStaffed };
  if (input.ahtMs === null || !(input.ahtMs > 0)) {
    return { ...base, ahtSeconds: null, erlangs: null, requiredAgents: null, projectedSl: null, projectedWaitSeconds: null };
  }
  const report = erlangReport({
    calls: input.offered,
    intervalSeconds: input.intervalMs / 1000,
    ahtSeconds: input.ahtMs / 1000,
    agents: input.agentsStaffed,
    targetSeconds: input.slThresholdMs / 1000,
    targetSl: input.slTarget,
  });
  return {
    ...base,
    ahtSeconds: input.ahtMs / 1000,
    erlangs: report.erlangs,
    requiredAgents: report.requiredAgents ?? null,
    projectedSl: report.serviceLevel,
    projectedWaitSeconds: Number.isFinite(report.asaSeconds) ? report.asaSeconds : null,
  };
}
