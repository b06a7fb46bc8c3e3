import { describe, expect, it } from 'vitest';
import { effectiveAgents, expectedWaitNewCaller, planQueue, queueLoad } from '../src/index.js';

/*
 * Hand-computed references (textbook Erlang C, A = 10 erlangs, AHT 180 s, T = 20 s):
 *   N = 12: Pw 0.449388, SL 0.640158, ASA 40.4449 s
 *   N = 13: Pw 0.285270, SL 0.795595, ASA 17.1162 s
 *   N = 14: Pw 0.174132, SL 0.888350, ASA  7.8359 s
 */
const busy = { offered: 50, intervalMs: 15 * 60_000, ahtMs: 180_000, slThresholdMs: 20_000, slTarget: 0.8 };

describe('planQueue', () => {
  it('projects from the live arrival rate and AHT (100 calls per 30 min, AHT 180 s)', () => {
    const p = planQueue({ ...busy, agentsStaffed: 14 });
    expect(p.arrivalsPerHour).toBe(200);
    expect(p.erlangs).toBeCloseTo(10, 9);
    expect(p.projectedSl).toBeCloseTo(0.88835, 5);
    expect(p.requiredAgents).toBe(14);
    expect(p.agentsStaffedEffective).toBe(14);
  });

  it('gives no projection without a known AHT, and an infinite wait as null', () => {
    expect(planQueue({ offered: 5, intervalMs: 900_000, ahtMs: null, agentsStaffed: 3, slThresholdMs: 20_000, slTarget: 0.8 })).toMatchObject({
      erlangs: null,
      projectedSl: null,
      requiredAgents: null,
      erlangAsaSeconds: null,
      expectedWaitNewCallerSeconds: null,
    });
    const short = planQueue({ offered: 100, intervalMs: 900_000, ahtMs: 300_000, agentsStaffed: 2, slThresholdMs: 20_000, slTarget: 0.8 });
    expect(short.projectedSl).toBe(0);
    expect(short.erlangAsaSeconds).toBeNull();
    expect(short.projectedWaitSeconds).toBeNull();
  });

  it('names the Erlang C ASA honestly and keeps the old name as an alias (issue 8 item 13b)', () => {
    const p = planQueue({ ...busy, agentsStaffed: 14 });
    expect(p.erlangAsaSeconds).toBeCloseTo(7.8359, 4);
    expect(p.projectedWaitSeconds).toBe(p.erlangAsaSeconds);
  });

  it('runs Erlang C with the effective staffing, not the head count (issue 8 item 13a)', () => {
    // 14 agents in the queue, but some serve other queues too: 12.5 of them are this queue's.
    const p = planQueue({ ...busy, agentsStaffed: 14, agentsStaffedEffective: 12.5 });
    expect(p.agentsStaffed).toBe(14);
    expect(p.agentsStaffedEffective).toBe(12.5);
    // Halfway between 12 and 13 agents: (0.640158 + 0.795595) / 2 and (40.4449 + 17.1162) / 2.
    expect(p.projectedSl).toBeCloseTo(0.717876, 5);
    expect(p.erlangAsaSeconds).toBeCloseTo(28.7806, 3);
  });

  it('gives the wait of a caller joining now beside the ASA (issue 8 item 13b)', () => {
    // 13 agents, all busy, 6 callers ahead: 7 completions at 13 per 180 s.
    const queued = planQueue({ ...busy, agentsStaffed: 13, callsWaiting: 6, agentsAvailable: 0 });
    expect(queued.expectedWaitNewCallerSeconds).toBeCloseTo((7 * 180) / 13, 9);
    expect(queued.erlangAsaSeconds).toBeCloseTo(17.1162, 3);
    // An agent is free and nobody waits: answered at once, whatever the average says.
    const free = planQueue({ ...busy, agentsStaffed: 13, callsWaiting: 0, agentsAvailable: 2 });
    expect(free.expectedWaitNewCallerSeconds).toBe(0);
  });
});

describe('expectedWaitNewCaller', () => {
  it('is (q − free + 1) · AHT / N once callers outnumber free agents, 0 before', () => {
    expect(expectedWaitNewCaller({ callsWaiting: 4, agentsAvailable: 0, agents: 5, ahtSeconds: 300 })).toBe(300);
    expect(expectedWaitNewCaller({ callsWaiting: 0, agentsAvailable: 0, agents: 5, ahtSeconds: 300 })).toBe(60);
    expect(expectedWaitNewCaller({ callsWaiting: 3, agentsAvailable: 1, agents: 4, ahtSeconds: 200 })).toBe(150);
    expect(expectedWaitNewCaller({ callsWaiting: 1, agentsAvailable: 2, agents: 4, ahtSeconds: 200 })).toBe(0);
    expect(expectedWaitNewCaller({ callsWaiting: 2, agentsAvailable: 0, agents: 2.5, ahtSeconds: 100 })).toBe(120);
    expect(expectedWaitNewCaller({ callsWaiting: 1, agentsAvailable: 0, agents: 0, ahtSeconds: 100 })).toBe(Infinity);
    expect(() => expectedWaitNewCaller({ callsWaiting: -1, agentsAvailable: 0, agents: 1, ahtSeconds: 1 })).toThrow(/callsWaiting/);
  });
});

describe('effectiveAgents', () => {
  const loads: Record<string, number | null> = { billing: 6, sales: 2, chat: 2, idle: 0, unknown: null };
  const loadOf = (q: string): number | null => (q in loads ? (loads[q] as number | null) : 0);

  it('splits a multi-queue agent by the offered load of its queues', () => {
    // 1 + 6/(6+2) + 6/(6+2+2) = 1 + 0.75 + 0.6
    expect(effectiveAgents([['billing'], ['billing', 'sales'], ['billing', 'sales', 'chat']], 'billing', loadOf)).toBeCloseTo(2.35, 12);
    expect(effectiveAgents([['billing', 'sales'], ['billing', 'sales', 'chat']], 'sales', loadOf)).toBeCloseTo(0.25 + 0.2, 12);
    // A queue without traffic takes nothing from an agent's time.
    expect(effectiveAgents([['billing', 'idle']], 'billing', loadOf)).toBe(1);
  });

  it('falls back to 1/k when a load is unknown or every queue is idle', () => {
    expect(effectiveAgents([['billing', 'sales', 'unknown']], 'billing', loadOf)).toBeCloseTo(1 / 3, 12);
    expect(effectiveAgents([['idle', 'nothing']], 'idle', loadOf)).toBe(0.5);
    expect(effectiveAgents([], 'billing', loadOf)).toBe(0);
  });

  it('never counts an agent more than once over its queues', () => {
    const agents = [['billing', 'sales', 'chat'], ['sales', 'chat'], ['billing', 'unknown']];
    const sum = (q: string[]) => q.reduce((s, id) => s + effectiveAgents(agents.filter((a) => a.includes(id)), id, loadOf), 0);
    expect(sum(['billing', 'sales', 'chat', 'unknown'])).toBeCloseTo(agents.length, 12);
  });
});

describe('queueLoad', () => {
  it('is offered rate times AHT, 0 without arrivals, null without an AHT', () => {
    expect(queueLoad(50, 900_000, 180_000)).toBeCloseTo(10, 12);
    expect(queueLoad(0, 900_000, null)).toBe(0);
    expect(queueLoad(3, 900_000, null)).toBeNull();
  });
});
