import { beforeAll, describe, expect, it } from 'vitest';
import { V1_EVENT_TYPES, isCallEvent, formatJsonLine, IDENTIFIER_PATTERN, occurredAtMs, validateEvent, type CanonicalEvent } from '@callboard/events';
import { isCallboardError } from '@callboard/errors';
import {
  createArrivalProfile,
  expandAgents,
  loadSimulatorConfig,
  nextShift,
  simulate,
  type SimulatorConfig,
  type SimulatorConfigInput,
} from '../src/index.js';
import { BUSY_START, checkAgents, collectVisits, countTypes, flatTenant, group, HOUR, MINUTE, queue, serviceSummary } from './helpers.js';

let config: SimulatorConfig;
let busy: CanonicalEvent[];

beforeAll(async () => {
  config = await loadSimulatorConfig();
  busy = [...simulate({ config, seed: 7, start: BUSY_START, durationMs: 30 * MINUTE })];
});

const lines = (events: Iterable<CanonicalEvent>): string => [...events].map((e) => formatJsonLine(e)).join('');

describe('simulate: determinism', () => {
  it('gives byte-identical JSON lines for the same seed, start and duration', () => {
    const again = lines(simulate({ config, seed: 7, start: BUSY_START, durationMs: 30 * MINUTE }));
    expect(again).toBe(lines(busy));
  });

  it('gives different traffic for a different seed', () => {
    const other = lines(simulate({ config, seed: 8, start: BUSY_START, durationMs: 30 * MINUTE }));
    expect(other).not.toBe(lines(busy));
  });

  it('gives unique event ids and call ids that embed the seed and the start', () => {
    const ids = new Set(busy.map((e) => e.eventId));
    expect(ids.size).toBe(busy.length);
    expect(busy[0]?.eventId).toBe(`sim-7-${BUSY_START.toString(36)}-1`);
    const offeredIds = busy.filter((e) => e.type === 'call.offered').map((e) => (e as { callId: string }).callId);
    // Every offer of a call id is a distinct visit (overflow re-offers to another queue).
    const visits = new Set(busy.filter((e) => e.type === 'call.offered').map((e) => `${(e as { callId: string }).callId}|${(e as { queueId: string }).queueId}`));
    expect(visits.size).toBe(offeredIds.length);
  });

  it('is lazy: an infinite run yields events on demand', () => {
    const it = simulate({ config, seed: 1, start: BUSY_START, durationMs: Infinity });
    const first = Array.from({ length: 500 }, () => it.next());
    expect(first.every((r) => r.done === false)).toBe(true);
    it.return(undefined);
  });
});

describe('simulate: contract', () => {
  it('emits only events that validate, in non-decreasing time order', () => {
    let last = -Infinity;
    for (const e of busy) {
      const result = validateEvent(e);
      expect(result.ok, result.ok ? '' : `${e.eventId}: ${result.error.message}`).toBe(true);
      // The engine's output is already normalised: validation changes nothing.
      if (result.ok) expect(result.event).toEqual(e);
      const t = occurredAtMs(e);
      expect(t).toBeGreaterThanOrEqual(last);
      last = t;
      expect(e.source).toBe('simulator');
      expect(e.eventId.length).toBeLessThanOrEqual(128);
    }
  });

  it('produces all six event types in 30 minutes from a busy hour', () => {
    const counts = countTypes(busy);
    for (const type of V1_EVENT_TYPES) expect(counts[type], type).toBeGreaterThan(0);
    expect(busy.filter((e) => e.type === 'call.abandoned' && e.waitMs < 5_000).length).toBeGreaterThan(0);
  });

  it('keeps every visit consistent once the run drains', () => {
    const { visits, problems } = collectVisits(busy);
    expect(problems).toEqual([]);
    for (const [key, v] of visits) {
      expect(v.offered, key).toBeDefined();
      expect(v.outcome, key).toBeDefined();
      if (v.outcome?.type === 'call.answered') expect(v.completed, key).toBeDefined();
    }
  });

  it('keeps the agent state machine consistent with the calls', () => {
    expect(checkAgents(busy)).toEqual([]);
    for (const e of busy) {
      if (e.type !== 'agent.state_changed') continue;
      expect(e.agentId).toMatch(IDENTIFIER_PATTERN);
      expect(e.agentId).toMatch(/^a-(acme-telecom|nordic-mobile)-\d+$/);
      expect(e.queueIds.length).toBeGreaterThan(0);
    }
  });

  it('reports resolved only on some completions, and integer durations everywhere', () => {
    const completed = busy.filter((e) => e.type === 'call.completed');
    const withResolved = completed.filter((e) => e.resolved !== undefined);
    expect(withResolved.length).toBeGreaterThan(0);
    expect(withResolved.length).toBeLessThan(completed.length);
    for (const e of completed) for (const ms of [e.talkMs, e.holdMs, e.wrapMs]) expect(Number.isInteger(ms)).toBe(true);
  });

  it('logs in every agent on shift at start, before the first call', () => {
    const expected = config.tenants.flatMap((t) =>
      expandAgents(t).filter((a) => {
        const shift = nextShift(a.shift, t.timeZone, BUSY_START);
        return shift !== undefined && shift.start <= BUSY_START;
      }),
    );
    const firstCall = busy.findIndex((e) => e.type !== 'agent.state_changed');
    const atStart = busy.slice(0, firstCall).filter((e) => e.type === 'agent.state_changed' && occurredAtMs(e) === BUSY_START);
    expect(new Set(atStart.map((e) => (e as { agentId: string }).agentId))).toEqual(new Set(expected.map((a) => a.agentId)));
    expect(expected.length).toBeGreaterThan(30);
  });

  it('stops at the end instant, leaving visits open, when drain is off', () => {
    const end = BUSY_START + 10 * MINUTE;
    const events = [...simulate({ config, seed: 7, start: BUSY_START, durationMs: 10 * MINUTE, drain: false })];
    expect(occurredAtMs(events[events.length - 1] as CanonicalEvent)).toBeLessThan(end);
    const drained = busy.filter((e) => occurredAtMs(e) < end);
    // Same seed and start: the undrained run is exactly a prefix of the longer run.
    expect(lines(events)).toBe(lines(drained));
  });

  it('rejects bad options with CB_CONFIG_INVALID before iterating', () => {
    for (const bad of [{ seed: -1 }, { seed: 1.5 }, { durationMs: 0 }, { start: Number.NaN }, { runId: 'has space' }]) {
      let err: unknown;
      try {
        simulate({ config, seed: 1, start: BUSY_START, durationMs: MINUTE, ...bad });
      } catch (e) {
        err = e;
      }
      expect(isCallboardError(err, 'CB_CONFIG_INVALID'), JSON.stringify(bad)).toBe(true);
    }
  });
});

describe('simulate: arrivals', () => {
  /** Expected offers of one queue: the rate integrated minute by minute (midpoint rule). */
  function expectedArrivals(perHour: number, timeZone: string, start: number, durationMs: number): number {
    const profile = createArrivalProfile({ kind: 'telecom', timeZone });
    let sum = 0;
    for (let t = start; t < start + durationMs; t += MINUTE) sum += profile(t + MINUTE / 2) * (perHour / 60);
    return sum;
  }

  it('follows the non-homogeneous Poisson rate of the profile (within 4 standard deviations)', () => {
    // No agents: arrivals do not depend on staffing, and every call ends quickly in a flow-out.
    const input: SimulatorConfigInput = {
      tenants: [
        {
          tenantId: 'rate',
          timeZone: 'Asia/Shanghai',
          queues: [queue('q', { baseCallsPerHour: 400, maxWaitMs: 1_000 })],
        },
      ],
    };
    const start = Date.UTC(2024, 2, 11, 16, 0); // local midnight
    const durationMs = 48 * HOUR;
    const expected = expectedArrivals(400, 'Asia/Shanghai', start, durationMs);
    for (const seed of [1, 2, 3]) {
      const offered = [...simulate({ config: input, seed, start, durationMs })].filter((e) => e.type === 'call.offered');
      expect(Math.abs(offered.length - expected), `seed ${seed}: ${offered.length} vs ${expected.toFixed(1)}`).toBeLessThan(4 * Math.sqrt(expected));
      // The shape too: the peak hour (10:00) against a night hour (03:00), each within 4 sd.
      for (const hour of [3, 10]) {
        const from = start + hour * HOUR;
        const observed = offered.filter((e) => occurredAtMs(e) >= from && occurredAtMs(e) < from + HOUR).length;
        const exp = expectedArrivals(400, 'Asia/Shanghai', from, HOUR);
        expect(Math.abs(observed - exp), `seed ${seed} hour ${hour}: ${observed} vs ${exp.toFixed(1)}`).toBeLessThan(4 * Math.sqrt(exp) + 1);
      }
    }
  });

  it('with a flat profile, arrives at baseCallsPerHour', () => {
    const input = flatTenant([queue('q', { baseCallsPerHour: 3_000, maxWaitMs: 1_000 })], []);
    const offered = [...simulate({ config: input, seed: 11, start: 0, durationMs: 4 * HOUR })].filter((e) => e.type === 'call.offered').length;
    expect(Math.abs(offered - 12_000)).toBeLessThan(4 * Math.sqrt(12_000));
  });
});

describe('simulate: queueing', () => {
  it('with fewer agents, more callers abandon and the answered wait longer (same seed)', () => {
    const thin = structuredClone(config) as SimulatorConfigInput;
    for (const g of thin.tenants[0]?.agentGroups ?? []) g.count = Math.ceil(g.count * 0.6);
    const opts = { seed: 3, start: BUSY_START - HOUR, durationMs: 2 * HOUR };
    const fullEvents = [...simulate({ config, ...opts })];
    const thinEvents = [...simulate({ config: thin, ...opts })];
    // Common random numbers: the same callers arrive at the same instants in both runs.
    const arrivals = (events: CanonicalEvent[]) => {
      const first = new Map<string, string>();
      for (const e of events) if (e.type === 'call.offered' && !first.has(e.callId)) first.set(e.callId, `${e.occurredAt} ${e.queueId}`);
      return first;
    };
    expect(arrivals(thinEvents)).toEqual(arrivals(fullEvents));
    const full = serviceSummary(fullEvents, 'acme-telecom');
    const short = serviceSummary(thinEvents, 'acme-telecom');
    expect(short.abandonRate).toBeGreaterThan(full.abandonRate * 1.5);
    expect(short.meanWaitMs).toBeGreaterThan(full.meanWaitMs * 2);
    expect(short.sl).toBeLessThan(full.sl);
    // The default staffing is close to 80/20 at the peak.
    expect(full.sl).toBeGreaterThan(0.75);
  });

  it('flows calls out with reason timeout at exactly maxWaitMs when understaffed', () => {
    const input = flatTenant([queue('q', { baseCallsPerHour: 120, maxWaitMs: 30_000 })], [group(1, ['q'])]);
    const events = [...simulate({ config: input, seed: 5, start: 0, durationMs: HOUR })];
    const flowed = events.filter((e) => e.type === 'call.flowed_out');
    expect(flowed.length).toBeGreaterThan(10);
    for (const e of flowed) {
      expect(e.reason).toBe('timeout');
      expect(e.waitMs).toBe(30_000);
    }
    expect(collectVisits(events).problems).toEqual([]);
  });

  it('overflows a timed-out call to another queue as a new visit with the same callId', () => {
    const input = flatTenant(
      [queue('front', { baseCallsPerHour: 120, maxWaitMs: 20_000, overflowTo: 'back' }), queue('back', { baseCallsPerHour: 0 })],
      [group(1, ['front']), group(6, ['back'])],
    );
    const events = [...simulate({ config: input, seed: 9, start: 0, durationMs: HOUR })];
    const { visits, problems } = collectVisits(events);
    expect(problems).toEqual([]);
    const overflows = events.filter((e) => e.type === 'call.flowed_out');
    expect(overflows.length).toBeGreaterThan(5);
    for (const e of overflows) {
      expect(e.reason).toBe('overflow');
      const second = visits.get(`t1|${e.callId}|back`);
      expect(second?.offered?.occurredAt).toBe(e.occurredAt);
      expect(second?.outcome).toBeDefined();
      // The second visit's wait starts at its own offer.
      if (second?.outcome && second.offered) expect(second.outcome.waitMs).toBe(occurredAtMs(second.outcome) - occurredAtMs(second.offered));
    }
  });

  it('has short abandons even with idle agents, from the very impatient callers', () => {
    const input = flatTenant([queue('q', { baseCallsPerHour: 600, patience: { medianMs: 600_000, sigma: 0.5, impatientFraction: 0.2, impatientMeanMs: 2_000 } })], [group(200, ['q'])]);
    const events = [...simulate({ config: input, seed: 2, start: 0, durationMs: HOUR })];
    const abandons = events.filter((e) => e.type === 'call.abandoned');
    expect(abandons.length).toBeGreaterThan(20);
    expect(abandons.every((e) => e.waitMs < 10_000)).toBe(true);
    expect(checkAgents(events)).toEqual([]);
  });

  it('serves the higher-priority queue first when an agent has both skills', () => {
    const input = flatTenant(
      [queue('low', { baseCallsPerHour: 30 }), queue('high', { baseCallsPerHour: 30, priority: 10 })],
      [group(3, ['low', 'high'])],
    );
    const events = [...simulate({ config: input, seed: 4, start: 0, durationMs: 8 * HOUR })];
    // Mean wait over every outcome: the answered alone are biased, low-priority callers who waited
    // longest flowed out or hung up.
    const s = (q: string) => {
      const outcomes = events.filter((e) => (e.type === 'call.answered' || e.type === 'call.abandoned' || e.type === 'call.flowed_out') && e.queueId === q);
      return outcomes.reduce((sum, e) => sum + (e as { waitMs: number }).waitMs, 0) / outcomes.length;
    };
    expect(s('high') * 2).toBeLessThan(s('low'));
  });
});

describe('simulate: agents and shifts', () => {
  it('takes breaks and logs out at shift end, after finishing the current call', () => {
    // 2024-03-12 15:00 to 17:00 Shanghai: the early shift ends at 16:00 and has its afternoon break before.
    const start = Date.UTC(2024, 2, 12, 7, 0);
    const events = [...simulate({ config, seed: 5, start, durationMs: 2 * HOUR })];
    expect(checkAgents(events)).toEqual([]);
    const shiftEnd = Date.UTC(2024, 2, 12, 8, 0);
    const early = new Set(expandAgents(config.tenants[0] as SimulatorConfig['tenants'][number]).filter((a) => a.shift.startHour === 7).map((a) => a.agentId));
    const logouts = events.filter((e) => e.type === 'agent.state_changed' && e.state === 'logged_out' && early.has(e.agentId));
    expect(logouts.length).toBe(early.size);
    let late = 0;
    for (const e of logouts) {
      expect(occurredAtMs(e)).toBeGreaterThanOrEqual(shiftEnd);
      if (occurredAtMs(e) > shiftEnd) {
        late += 1;
        // A late logout is the end of the call the agent was on: it follows its own call.completed.
        const i = events.indexOf(e);
        const before = events.slice(0, i).reverse().find((x) => x.type === 'call.completed' && x.agentId === (e as { agentId: string }).agentId);
        expect(before?.occurredAt).toBe(e.occurredAt);
      }
      // No call work after logging out.
      const after = events.slice(events.indexOf(e) + 1);
      expect(after.some((x) => 'agentId' in x && x.agentId === (e as { agentId: string }).agentId)).toBe(false);
    }
    expect(late).toBeGreaterThan(0);
    const breaks = events.filter((e) => e.type === 'agent.state_changed' && e.state === 'away' && e.reason === 'break');
    expect(breaks.length).toBeGreaterThan(0);
  });
});

describe('simulate: scenario', () => {
  const window = (events: CanonicalEvent[], queueId: string, from: number, to: number) =>
    events.filter((e) => isCallEvent(e) && e.queueId === queueId && occurredAtMs(e) >= from && occurredAtMs(e) < to);

  it('removes and restores agents of one queue, and changes its arrival rate', () => {
    const start = BUSY_START;
    const scenario = [
      { at: 5 * MINUTE, action: 'removeAgents' as const, queueId: 'billing', count: 12 },
      { at: 35 * MINUTE, action: 'restoreAgents' as const, queueId: 'billing' },
      { at: 5 * MINUTE, action: 'setRateMultiplier' as const, queueId: 'sales', multiplier: 3 },
      { at: 35 * MINUTE, action: 'setRateMultiplier' as const, queueId: 'sales', multiplier: 1 },
    ];
    const base = [...simulate({ config, seed: 21, start, durationMs: HOUR })];
    const stressed = [...simulate({ config, seed: 21, start, durationMs: HOUR, scenario })];
    expect(collectVisits(stressed).problems).toEqual([]);
    expect(checkAgents(stressed)).toEqual([]);

    const removed = stressed.filter((e) => e.type === 'agent.state_changed' && e.state === 'away' && e.reason === 'scenario');
    expect(new Set(removed.map((e) => (e as { agentId: string }).agentId)).size).toBe(12);
    for (const e of removed) expect((e as { queueIds: string[] }).queueIds).toContain('billing');

    const sl = (events: CanonicalEvent[]) => {
      const outcomes = window(events, 'billing', start + 10 * MINUTE, start + 35 * MINUTE).filter((e) => e.type !== 'call.offered' && e.type !== 'call.completed');
      return outcomes.filter((e) => e.type === 'call.answered' && e.waitMs <= 20_000).length / outcomes.length;
    };
    expect(sl(stressed)).toBeLessThan(sl(base) - 0.2);

    const salesOffers = (events: CanonicalEvent[]) => window(events, 'sales', start + 5 * MINUTE, start + 35 * MINUTE).filter((e) => e.type === 'call.offered').length;
    expect(salesOffers(stressed)).toBeGreaterThan(salesOffers(base) * 2);

    // Restored agents come back: every removed agent is available again later (or logged out).
    for (const e of removed) {
      const later = stressed.filter((x) => x.type === 'agent.state_changed' && x.agentId === (e as { agentId: string }).agentId && occurredAtMs(x) >= start + 35 * MINUTE);
      expect(later.some((x) => x.type === 'agent.state_changed' && x.state === 'available')).toBe(true);
    }
  });

  it('rejects a scenario step for an unknown queue', () => {
    expect(() => simulate({ config, seed: 1, start: BUSY_START, durationMs: HOUR, scenario: [{ at: 0, action: 'restoreAgents', queueId: 'nope' }] })).toThrow(/unknown queue "nope"/);
  });
});
