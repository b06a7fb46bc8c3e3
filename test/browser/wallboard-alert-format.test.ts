import { describe, expect, it } from 'vitest';
import { METRICS, metricInfo } from '@callboard/alerts';
import { alertName, formatAlertValue, METRIC_UNITS } from '../../services/gateway/wallboard/src/alert-format.js';
import { bannerContent } from '../../services/gateway/wallboard/src/banner.js';
import type { AlertView } from '../../services/gateway/wallboard/src/types.js';

describe('the wallboard banner: values in their unit, names translated (issue 8 item 14)', () => {
  it('knows every metric a rule may use, with the unit packages/alerts gives it', () => {
    expect(Object.keys(METRIC_UNITS).sort()).toEqual([...METRICS].sort());
    for (const m of METRICS) expect(METRIC_UNITS[m], m).toBe(metricInfo(m).unit);
  });

  it('shows durations as m:ss', () => {
    expect(formatAlertValue('live.longestWaitingMs', 723_000)).toBe('12:03');
    expect(formatAlertValue('live.longestWaitingMs', 35_635_900)).toBe('593:56');
    expect(formatAlertValue('asaMs', 41_000)).toBe('0:41');
    expect(formatAlertValue('ahtMs', 0)).toBe('0:00');
    for (const m of ['avgAbandonWaitMs', 'avgTalkMs']) expect(formatAlertValue(m, 90_000), m).toBe('1:30');
  });

  it('shows ratios as percentages, small rates with a decimal', () => {
    expect(formatAlertValue('sl.primary', 0.624)).toBe('62%');
    expect(formatAlertValue('sl.handledOnly', 1)).toBe('100%');
    expect(formatAlertValue('planning.projectedSl', 0.455)).toBe('46%');
    expect(formatAlertValue('live.occupancy', 0.93)).toBe('93%');
    expect(formatAlertValue('abandonRate', 0.1234)).toBe('12.3%');
    expect(formatAlertValue('transferRate', 0.05)).toBe('5.0%');
    expect(formatAlertValue('answerRate', 0.8)).toBe('80%');
  });

  it('shows counts as plain numbers, the staffing gap signed, and a flag without a value', () => {
    expect(formatAlertValue('live.callsWaiting', 14)).toBe('14');
    expect(formatAlertValue('live.agentsAvailable', 0)).toBe('0');
    expect(formatAlertValue('planning.requiredAgentsGap', 3)).toBe('+3');
    expect(formatAlertValue('planning.requiredAgentsGap', -2)).toBe('-2');
    expect(formatAlertValue('live.waitingWithNoAgent', 1)).toBe('');
  });

  it('shows no value rather than a wrong unit when the metric or the value is unknown', () => {
    expect(formatAlertValue(undefined, 35_635_900)).toBe('');
    expect(formatAlertValue('unknown', 0.5)).toBe('');
    expect(formatAlertValue('sl.primary', null)).toBe('');
    expect(formatAlertValue('asaMs', Number.NaN)).toBe('');
  });

  it('names a rule by its metric, in English and in Chinese', () => {
    expect(alertName('en', { metric: 'live.longestWaitingMs', ruleId: 'longest-wait', ruleName: 'Caller waiting over 2 minutes' })).toBe('Longest wait');
    expect(alertName('zh-CN', { metric: 'live.longestWaitingMs', ruleId: 'longest-wait' })).toBe('最长等待');
    expect(alertName('en', { metric: 'sl.primary', ruleId: 'sl-low' })).toBe('Service level');
    expect(alertName('zh-CN', { metric: 'abandonRate', ruleId: 'abandon-rate' })).toBe('放弃率');
    // Without a metric the page can only show what the rule is called.
    expect(alertName('en', { ruleId: 'custom-rule', ruleName: 'Custom rule' })).toBe('Custom rule');
    expect(alertName('zh-CN', { ruleId: 'custom-rule' })).toBe('custom-rule');
  });

  it('lists the most severe alerts first and sums up the rest', () => {
    const alert = (i: number, severity: AlertView['severity'], ackBy: string | null = null, state = 'firing'): AlertView => ({
      fingerprint: `fp${i}`,
      queueId: `q${String(i).padStart(2, '0')}`,
      ruleId: 'r',
      severity,
      state,
      value: 1,
      ackBy,
    });
    const alerts = [
      ...Array.from({ length: 20 }, (_, i) => alert(i, 'warning')),
      alert(30, 'critical', 'lead'),
      alert(31, 'critical'),
      alert(32, 'info'),
      alert(33, undefined),
      alert(34, 'critical', null, 'resolved'),
    ];
    const { shown, more } = bannerContent(alerts, 6);
    expect(shown.map((a) => a.fingerprint)).toEqual(['fp31', 'fp30', 'fp0', 'fp1', 'fp2', 'fp3']);
    expect(more).toEqual({ n: 18, critical: 0, warning: 17, info: 1 });
    expect(bannerContent(alerts.slice(0, 3), 6).more.n).toBe(0);
  });
});
