import { computeRatios, emptyCounts, type KpiCounts, planQueue, type SlFormula, slValue } from '@callboard/kpi';
import type { QueueView, WindowKpi } from '@callboard/windows';
import { type Rule, ruleSchema } from '../../src/index.js';

type RuleInput = Parameters<typeof ruleSchema.parse>[0] & object;

/** A valid rule with the fields a test does not care about filled in. */
export function makeRule(overrides: Partial<Record<string, unknown>> = {}): Rule {
  return ruleSchema.parse({
    id: 'r1',
    name: 'test rule',
    metric: 'sl.primary',
    comparator: '<',
    fire: 0.8,
    clear: 0.85,
    severity: 'warning',
    ...overrides,
  } as RuleInput);
}

export function windowKpi(name: string, counts: Partial<KpiCounts>, primarySl: SlFormula = 'sl.negativeAbandon'): WindowKpi {
  const full = { ...emptyCounts(), ...counts };
  const ratios = computeRatios(full);
  return { name, from: '2025-01-01T00:00:00.000Z', to: '2025-01-01T00:15:00.000Z', counts: full, ...ratios, primarySlValue: slValue(ratios, primarySl) };
}

export interface ViewOptions {
  tenantId?: string;
  queueId?: string;
  slTarget?: number;
  windows?: WindowKpi[];
  live?: Partial<QueueView['live']>;
  /** Inputs of the Erlang C projection. */
  offered15m?: number;
  ahtMs?: number | null;
  agentsStaffed?: number;
}

/** A queue snapshot shaped like `readQueueView`'s output. */
export function makeView(opts: ViewOptions = {}): QueueView {
  const slTarget = opts.slTarget ?? 0.8;
  return {
    tenantId: opts.tenantId ?? 'acme',
    queueId: opts.queueId ?? 'sales',
    at: '2025-01-01T00:15:00.000Z',
    primarySl: 'sl.negativeAbandon',
    slThresholdMs: 20_000,
    shortAbandonMs: 5_000,
    slTarget,
    windows: opts.windows ?? [],
    live: {
      callsWaiting: 0,
      longestWaitingMs: null,
      agentsLoggedOut: 0,
      agentsAvailable: 0,
      agentsOnCall: 0,
      agentsWrapUp: 0,
      agentsAway: 0,
      occupancy: null,
      ...opts.live,
    },
    planning: planQueue({
      offered: opts.offered15m ?? 0,
      intervalMs: 15 * 60_000,
      ahtMs: opts.ahtMs === undefined ? 180_000 : opts.ahtMs,
      agentsStaffed: opts.agentsStaffed ?? 0,
      slThresholdMs: 20_000,
      slTarget,
    }),
    stats: { anomalies: 0, duplicates: 0, late: 0 },
  };
}
