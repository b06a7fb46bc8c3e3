import { describe, expect, it } from 'vitest';
import { alertName, formatAlertValue } from '../../services/gateway/wallboard/src/alert-format.js';

describe('the wallboard banner on the issue 11 metrics', () => {
  it('shows each in its unit: rates as %, complaints per 10 000 with decimals, NPS signed, complaint counts plain', () => {
    const cases: [metric: string, value: number, shown: string][] = [
      ['outbound.connectRate', 0.414, '41%'],
      ['outbound.successRate', 0.2, '20%'],
      ['avgFirstResponseMs', 95_000, '1:35'],
      ['firstResponseWithinTarget', 0.66, '66%'],
      ['complaintsPer10k', 23.456, '23.5'],
      ['complaintsPer10k', 4.2, '4.20'],
      ['complaintResponseOnTimeRate', 0.5, '50%'],
      ['csatRate', 0.874, '87%'],
      ['nps', -12.4, '-12'],
      ['nps', 31.6, '+32'],
      ['fcrRepeatRate', 0.7, '70%'],
      ['live.complaintsOverdue', 3, '3'],
      ['live.complaintsOpen', 12, '12'],
      ['live.oldestOpenComplaintAgeMs', 125_000, '2:05'],
    ];
    for (const [metric, value, shown] of cases) expect(formatAlertValue(metric, value), `${metric} ${value}`).toBe(shown);
  });

  it('names them in English and in Chinese', () => {
    expect(alertName('en', { metric: 'outbound.connectRate', ruleId: 'r' })).toBe('Outbound connect rate');
    expect(alertName('zh-CN', { metric: 'outbound.connectRate', ruleId: 'r' })).toBe('外呼接通率');
    expect(alertName('zh-CN', { metric: 'complaintsPer10k', ruleId: 'r' })).toBe('投诉率/万');
    expect(alertName('zh-CN', { metric: 'live.complaintsOverdue', ruleId: 'r' })).toBe('超时未响应投诉');
    expect(alertName('zh-CN', { metric: 'csatRate', ruleId: 'r' })).toBe('满意度');
    expect(alertName('en', { metric: 'fcrRepeatRate', ruleId: 'r' })).toBe('FCR (no repeat contact)');
  });

  it('shows a complaint reminder under its rule name with the time left, and nothing once it is due', () => {
    expect(alertName('en', { metric: 'complaint.reminder', ruleId: 'urgent-due', ruleName: 'Urgent complaint due soon' })).toBe('Urgent complaint due soon');
    expect(alertName('zh-CN', { metric: 'complaint.reminder', ruleId: 'urgent-due' })).toBe('投诉提醒');
    expect(formatAlertValue('complaint.reminder', 299_000)).toBe('4:59');
    expect(formatAlertValue('complaint.reminder', 0)).toBe('');
    expect(formatAlertValue('complaint.reminder', -60_000)).toBe('');
    expect(formatAlertValue('complaint.reminder', null)).toBe('');
  });
});
