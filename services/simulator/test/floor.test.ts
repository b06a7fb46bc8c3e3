import { beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '@callboard/events';
import { loadSimulatorConfig, simulate, type SimulatorConfig } from '../src/index.js';
import { BUSY_START, HOUR, idleWhileWaiting } from './helpers.js';

let shipped: SimulatorConfig;

beforeAll(async () => {
  shipped = await loadSimulatorConfig();
});

describe('simulate: a well-run floor (issue 8 item 15)', () => {
  it('never lets a call wait while an agent of its queue is available, over a simulated hour', () => {
    // The shipped config at its peak with the demo's flat profile: busy queues, multi-queue agents, overflow.
    const tenants = shipped.tenants.map((t) => ({ ...t, profile: 'flat' as const }));
    const events: CanonicalEvent[] = [...simulate({ config: { ...shipped, tenants }, seed: 3, start: BUSY_START, durationMs: HOUR })];
    const problems = idleWhileWaiting(events);
    expect(problems.slice(0, 5), `${problems.length} instants`).toEqual([]);
  });
});
