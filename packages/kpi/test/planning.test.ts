import { describe, expect, it } from 'vitest';
import { planQueue } from '../src/index.js';

describe('planQueue', () => {
  it('projects from the live arrival rate and AHT (100 calls per 30 min, AHT 180 s)', () => {
    const p = planQueue({ offered: 50, intervalMs: 15 * 60_000, ahtMs: 180_000, agentsStaffed: 14, slThresholdMs: 20_000, slTarget: 0.8 });
    expect(p.arrivalsPerHour).toBe(200);
    expect(p.erlangs).toBeCloseTo(10, 9);
    expect(p.projectedSl).toBeCloseTo(0.888, 3);
    expect(p.requiredAgents).toBe(14);
  });

  it('gives no projection without a known AHT, and an infinite wait as null', () => {
    expect(planQueue({ offered: 5, intervalMs: 900_000, ahtMs: null, agentsStaffed: 3, slThresholdMs: 20_000, slTarget: 0.8 })).toMatchObject({ erlangs: null, projectedSl: null, requiredAgents: null });
    const short = planQueue({ offered: 100, intervalMs: 900_000, ahtMs: 300_000, agentsStaffed: 2, slThresholdMs: 20_000, slTarget: 0.8 });
    expect(short.projectedSl).toBe(0);
    expect(short.projectedWaitSeconds).toBeNull();
  });
});
