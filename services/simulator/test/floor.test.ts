import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { occurredAtMs, type CanonicalEvent } from '@callboard/events';
import { DEMO_CONFIG_PATH, loadSimulatorConfig, simulate, type SimulatorConfig } from '../src/index.js';
import { BUSY_START, checkAgents, collectVisits, HOUR, idleWhileWaiting, MINUTE } from './helpers.js';

let shipped: SimulatorConfig;
let demo: SimulatorConfig;

beforeAll(async () => {
  shipped = await loadSimulatorConfig();
  demo = await loadSimulatorConfig(DEMO_CONFIG_PATH);
});

interface QueuesFile {
  defaults: { slTarget: number };
  tenants: Record<string, { defaults?: { slTarget?: number }; queues: Record<string, { slTarget?: number }> }>;
}

/** Each queue's SL target from the queue settings the demo's aggregator and alerter read. */
function slTargets(): Map<string, number> {
  const file = JSON.parse(readFileSync(new URL('../../../config/queues.json', import.meta.url), 'utf8')) as QueuesFile;
  const targets = new Map<string, number>();
  for (const [tenantId, tenant] of Object.entries(file.tenants)) {
    for (const [queueId, queue] of Object.entries(tenant.queues)) {
      targets.set(`${tenantId}/${queueId}`, queue.slTarget ?? tenant.defaults?.slTarget ?? file.defaults.slTarget);
    }
  }
  return targets;
}

const WINDOW_MS = 15 * MINUTE;

/**
 * Rolling-15m service level per queue, sampled every minute from `from` to `to`, with the strictest
 * formula (`sl.negativeAbandon`: answered within 20 s over every outcome), which never exceeds a
 * queue's primary formula. A sample whose window overlaps an incident on its queue is left out.
 */
function rollingSl(events: readonly CanonicalEvent[], from: number, to: number, incidents: Map<string, [number, number][]>): Map<string, number[]> {
  const outcomes = new Map<string, { t: number; ok: boolean }[]>();
  for (const e of events) {
    if (e.type !== 'call.answered' && e.type !== 'call.abandoned' && e.type !== 'call.flowed_out') continue;
    const key = `${e.tenantId}/${e.queueId}`;
    if (!outcomes.has(key)) outcomes.set(key, []);
    outcomes.get(key)?.push({ t: occurredAtMs(e), ok: e.type === 'call.answered' && e.waitMs <= 20_000 });
  }
  const samples = new Map<string, number[]>();
  for (const [key, list] of outcomes) {
    const values: number[] = [];
    for (let at = from; at <= to; at += MINUTE) {
      if ((incidents.get(key) ?? []).some(([s, e]) => s < at && e > at - WINDOW_MS)) continue;
      const window = list.filter((o) => o.t >= at - WINDOW_MS && o.t < at);
      if (window.length > 0) values.push(window.filter((o) => o.ok).length / window.length);
    }
    samples.set(key, values);
  }
  return samples;
}

describe('simulate: a well-run floor (issue 8 item 15)', () => {
  it('never lets a call wait while an agent of its queue is available, over a simulated hour', () => {
    // The shipped config at its peak with the demo's flat profile: busy queues, multi-queue agents, overflow.
    const tenants = shipped.tenants.map((t) => ({ ...t, profile: 'flat' as const }));
    const events: CanonicalEvent[] = [...simulate({ config: { ...shipped, tenants }, seed: 3, start: BUSY_START, durationMs: HOUR })];
    const problems = idleWhileWaiting(events);
    expect(problems.slice(0, 5), `${problems.length} instants`).toEqual([]);
  });

  it('runs the demo floor at its SL targets most of the time outside incidents, with an incident every 5 minutes', () => {
    const start = BUSY_START;
    const config = demo;
    const incidents = config.incidents;
    expect(incidents).toBeDefined();
    if (!incidents) return;
    // A quarter of an hour to fill the first rolling window, then the hour that is measured.
    const end = start + WINDOW_MS + HOUR;
    for (const seed of [1, 2, 3]) {
      const events = [...simulate({ config, seed, start, durationMs: end - start })];
      expect(collectVisits(events).problems).toEqual([]);
      expect(checkAgents(events)).toEqual([]);
      // The demo answers automatically: not even a ringing call waits beside an available agent.
      const idle = idleWhileWaiting(events, { ringingCounts: false });
      expect(idle.slice(0, 5), `seed ${seed}: ${idle.length} instants`).toEqual([]);

      // Where the incidents fell: every agent a scripted incident took away, per queue.
      const spans = new Map<string, [number, number][]>();
      for (let k = 0, at = start + incidents.firstAfterMinutes * MINUTE; at < end; k += 1, at += incidents.everyMinutes * MINUTE) {
        const incident = incidents.cycle[k % incidents.cycle.length];
        if (!incident) continue;
        const key = `${incident.tenantId}/${incident.queueId}`;
        spans.set(key, [...(spans.get(key) ?? []), [at, at + incidents.durationMinutes * MINUTE]]);
      }
      const away = events.filter((e) => e.type === 'agent.state_changed' && e.state === 'away' && e.reason !== 'break');
      expect(away.length, `seed ${seed}: agents taken off the floor by incidents`).toBeGreaterThan(0);

      const targets = slTargets();
      const samples = rollingSl(events, start + WINDOW_MS, end, spans);
      let met = 0;
      let total = 0;
      for (const [key, values] of samples) {
        const target = targets.get(key);
        expect(target, key).toBeDefined();
        const ok = values.filter((v) => v >= (target ?? 1)).length;
        // Every queue meets its target in most samples outside its incidents ...
        expect(ok / values.length, `seed ${seed} ${key}: ${ok} of ${values.length} samples at target`).toBeGreaterThanOrEqual(0.6);
        met += ok;
        total += values.length;
      }
      // ... and the floor as a whole nearly always.
      expect(met / total, `seed ${seed}: ${met} of ${total} samples at target`).toBeGreaterThanOrEqual(0.85);
      expect(samples.size).toBe(6);
    }
  });
});
