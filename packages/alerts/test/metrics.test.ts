import { SL_FORMULAS } from '@callboard/kpi';
import { type SourceFreshness, WINDOW_NAMES } from '@callboard/windows';
import { describe, expect, it } from 'vitest';
import { ALERT_WINDOWS, defaultRules, evaluate, METRICS, metricInfo, parseRules, type Rule, sampleMetric, sampleRule, sampleSourceMetric } from '../src/index.js';
import { makeView, windowKpi } from './helpers/fixtures.js';

const counts = { offered: 50, answered: 40, abandoned: 8, flowedOut: 2, abandonedShort: 3, answeredWithinSl: 30, abandonedWithinSl: 4, completed: 38, talkMs: 38 * 150_000, holdMs: 0, wrapMs: 38 * 30_000, transferred: 4, resolvedKnown: 20, resolved: 15, waitMsAnswered: 40 * 10_000, waitMsAbandoned: 8 * 40_000 };

describe('metrics', () => {
  it('reads the same windows as @callboard/windows', () => {
    expect([...ALERT_WINDOWS]).toEqual([...WINDOW_NAMES]);
  });

  it('reads window metrics from the rule’s window, with its outcomes as volume', () => {
    const view = makeView({ windows: [windowKpi('rolling-15m', counts), windowKpi('today', { answered: 1000, answeredWithinSl: 900 })] });
    expect(sampleMetric(view, 'sl.primary', 'rolling-15m')).toEqual({ value: 30 / 50, volume: 50 });
    expect(sampleMetric(view, 'sl.primary', 'today')).toEqual({ value: 0.9, volume: 1000 });
    expect(sampleMetric(view, 'sl.handledOnly', 'rolling-15m').value).toBe(30 / 40);
    expect(sampleMetric(view, 'sl.ignoreShortAbandon', 'rolling-15m').value).toBe(30 / 47);
    expect(sampleMetric(view, 'abandonRate', 'rolling-15m').value).toBe(8 / 50);
    expect(sampleMetric(view, 'asaMs', 'rolling-15m').value).toBe(10_000);
    expect(sampleMetric(view, 'ahtMs', 'rolling-15m').value).toBe(180_000);
    expect(sampleMetric(view, 'fcrRate', 'rolling-15m').value).toBe(0.75);
    for (const formula of SL_FORMULAS) expect(sampleMetric(view, formula, 'rolling-15m').volume).toBe(50);
  });

  it('reads a window the snapshot lacks as no data', () => {
    expect(sampleMetric(makeView(), 'abandonRate', 'interval-30m')).toEqual({ value: null, volume: 0 });
  });

  it('reads live metrics with unlimited volume, whatever the window', () => {
    const view = makeView({ live: { callsWaiting: 3, longestWaitingMs: 95_000, agentsAvailable: 0, occupancy: 0.93 } });
    expect(sampleMetric(view, 'live.longestWaitingMs', 'today')).toEqual({ value: 95_000, volume: Number.POSITIVE_INFINITY });
    expect(sampleMetric(view, 'live.waitingWithNoAgent', 'rolling-5m').value).toBe(1);
    expect(sampleMetric(view, 'live.occupancy', 'rolling-5m').value).toBe(0.93);
    expect(sampleMetric(makeView({ live: { callsWaiting: 3, agentsAvailable: 1 } }), 'live.waitingWithNoAgent', 'rolling-5m').value).toBe(0);
    expect(sampleMetric(makeView({ live: { callsWaiting: 0, agentsAvailable: 0 } }), 'live.waitingWithNoAgent', 'rolling-5m').value).toBe(0);
    // An empty queue has waited 0 ms, not an unknown time.
    expect(sampleMetric(makeView(), 'live.longestWaitingMs', 'rolling-5m').value).toBe(0);
  });

  it('reads planning metrics with rolling-15m offered as volume', () => {
    const view = makeView({ offered15m: 90, ahtMs: 300_000, agentsStaffed: 10 });
    const projected = sampleMetric(view, 'planning.projectedSl', 'today');
    expect(projected.volume).toBe(90);
    expect(projected.value).toBe(view.planning.projectedSl);
    expect(sampleMetric(view, 'planning.requiredAgentsGap', 'today').value).toBe((view.planning.requiredAgents ?? Number.NaN) - 10);
    expect(sampleMetric(makeView({ offered15m: 90, ahtMs: null }), 'planning.requiredAgentsGap', 'today').value).toBeNull();
  });

  it('knows each metric’s range', () => {
    expect(metricInfo('abandonRate')).toMatchObject({ source: 'window', unit: 'ratio', min: 0, max: 1, ofTarget: false });
    expect(metricInfo('sl.primary').ofTarget).toBe(true);
    expect(metricInfo('planning.projectedSl')).toMatchObject({ source: 'planning', ofTarget: true });
    expect(metricInfo('live.longestWaitingMs')).toMatchObject({ source: 'live', unit: 'ms', min: 0 });
    expect(metricInfo('planning.requiredAgentsGap').min).toBe(Number.NEGATIVE_INFINITY);
    expect(METRICS).toHaveLength(36);
    expect(metricInfo('source.silent')).toMatchObject({ source: 'source', unit: 'flag', ofTarget: false });
    expect(metricInfo('source.newestEventAgeMs')).toMatchObject({ source: 'source', unit: 'ms', min: 0 });
  });
});

describe('source metrics (issue 10 item 5)', () => {
  const freshness = (over: Partial<SourceFreshness> = {}): SourceFreshness => ({
    source: 'asterisk:pbx1',
    newestEventAt: '2026-12-01T05:00:00.000Z',
    newestEventAgeMs: 3_600_000,
    heartbeatAt: '2026-12-01T05:59:55.000Z',
    heartbeatAgeMs: 5_000,
    reportedNewestEventAt: '2026-12-01T05:00:00.000Z',
    stale: false,
    staleReason: null,
    ...over,
  });

  it('reads silent as the aggregator judged it, and ages grown by the time since the snapshot', () => {
    expect(sampleSourceMetric(freshness(), 'source.silent')).toEqual({ value: 0, volume: Number.POSITIVE_INFINITY });
    expect(sampleSourceMetric(freshness({ stale: true, staleReason: 'heartbeat-silent' }), 'source.silent').value).toBe(1);
    expect(sampleSourceMetric(freshness(), 'source.heartbeatAgeMs', 2_000).value).toBe(7_000);
    expect(sampleSourceMetric(freshness({ newestEventAgeMs: null }), 'source.newestEventAgeMs').value).toBeNull();
    // Not a queue metric: a queue snapshot alone has no value for it.
    expect(sampleMetric(makeView({}), 'source.silent', 'rolling-15m')).toEqual({ value: null, volume: 0 });
  });

  it('the default source-silent rule fires at once on a stale source and resolves as soon as it is back', () => {
    const rule = defaultRules().rules.find((r) => r.id === 'source-silent')!;
    const sample = (stale: boolean) => ({ tenantId: 'acme', queueId: 'source:asterisk:pbx1', ...sampleSourceMetric(freshness({ stale }), 'source.silent'), slTarget: 0.8 });
    const fired = evaluate(undefined, rule, sample(true), 1000);
    expect(fired.transition?.kind).toBe('fire');
    expect(evaluate(fired.state, rule, sample(false), 2000).transition?.kind).toBe('resolve');
    expect(evaluate(undefined, rule, sample(false), 1000).state.state).toBe('normal');
  });

  it('refuses a source rule scoped to queues: it watches every source of its tenants', () => {
    const file = { version: 1, rules: [{ id: 'x', name: 'x', metric: 'source.silent', comparator: '>', fire: 0.5, severity: 'warning', scope: { queue: 'sales' } }] };
    expect(() => parseRules(file, 'test')).toThrow(/scope\.queue must be "\*"/);
  });
});

describe('the predictive rule', () => {
  it('fires on an understaffed queue while the measured SL still meets target', () => {
    const rules = defaultRules().rules;
    const byId = (id: string): Rule => rules.find((r) => r.id === id) as Rule;
    const at = Date.UTC(2025, 0, 6, 9);
    // 90 calls in 15 min at 5 min AHT is 30 erlangs; 28 agents cannot carry it, yet the last 15 minutes went well.
    const view = makeView({ windows: [windowKpi('rolling-15m', { offered: 90, answered: 88, answeredWithinSl: 80, abandoned: 2 })], offered15m: 90, ahtMs: 300_000, agentsStaffed: 28 });
    expect(view.windows[0]?.primarySlValue).toBeGreaterThan(0.8);
    expect(view.planning.projectedSl).toBeLessThan(0.8);

    const measured = byId('sl-below-target');
    const predictive = byId('projected-sl-breach');
    let slState = evaluate(undefined, measured, sampleRule(view, measured), at).state;
    let projected = evaluate(undefined, predictive, sampleRule(view, predictive), at).state;
    expect(projected.state).toBe('pending');
    slState = evaluate(slState, measured, sampleRule(view, measured), at + 30_000).state;
    projected = evaluate(projected, predictive, sampleRule(view, predictive), at + 30_000).state;
    expect(projected.state).toBe('firing');
    expect(slState.state).toBe('normal');
  });
});
