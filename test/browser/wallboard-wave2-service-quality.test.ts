import { describe, expect, it } from 'vitest';
import { npsText, per10k } from '../../services/gateway/wallboard/src/format.js';
import { complaintAge, INBOUND_TILE, tenantStrip, tileKind } from '../../services/gateway/wallboard/src/service-quality.js';
import type { KpiView, OutboundView, WindowView } from '../../services/gateway/wallboard/src/types.js';

const outbound = (over: Partial<OutboundView> = {}): OutboundView => ({
  attempts: 0,
  connected: 0,
  succeeded: 0,
  abandoned: 0,
  failed: { no_answer: 0, busy: 0, invalid_number: 0, rejected: 0, other: 0 },
  connectRate: null,
  successRate: null,
  avgRingMs: null,
  avgTalkMs: null,
  ...over,
});

const win = (counts: Partial<WindowView['counts']>, over: Partial<WindowView> = {}, name = 'rolling-15m'): WindowView => ({
  name,
  primarySlValue: null,
  asaMs: null,
  abandonRate: null,
  answerRate: null,
  counts: { offered: 0, answered: 0, abandoned: 0, ...counts },
  ...over,
});

describe('the wallboard tile kinds (issue 11, docs/wallboard.md "Tiles")', () => {
  it('makes a campaign of outbound attempts without inbound traffic, both of both, inbound of inbound', () => {
    const dialling = outbound({ attempts: 10, connected: 4 });
    expect(tileKind(win({ outboundAttempts: 10 }, { outbound: dialling }))).toEqual({ layout: 'campaign', firstResponse: false });
    expect(tileKind(win({ offered: 3, answered: 2, outboundAttempts: 10 }, { outbound: dialling }))).toEqual({ layout: 'both', firstResponse: false });
    expect(tileKind(win({ offered: 3 }))).toEqual({ layout: 'inbound', firstResponse: false });
    // Only failures in the window (the attempts were offered before it): still outbound traffic.
    expect(tileKind(win({}, { outbound: outbound({ failed: { no_answer: 2, busy: 0, invalid_number: 0, rejected: 0, other: 0 } }) })).layout).toBe('campaign');
    // A flow-out alone is inbound traffic.
    expect(tileKind(win({ flowedOut: 1 })).layout).toBe('inbound');
  });

  it('shows first response when the window has first responses, and keeps it and the layout through a quiet window', () => {
    const chat = tileKind(win({ offered: 5, answered: 5, firstResponses: 5 }));
    expect(chat).toEqual({ layout: 'inbound', firstResponse: true });
    expect(tileKind(win({}), chat)).toEqual(chat);
    const campaign = tileKind(win({ outboundAttempts: 3 }, { outbound: outbound({ attempts: 3 }) }));
    expect(tileKind(win({}), campaign).layout).toBe('campaign');
    expect(tileKind(undefined, campaign).layout).toBe('campaign');
    // A queue with only surveys or complaints: an ordinary tile (with dashes), never dropped.
    expect(tileKind(win({ surveys: 4, complaintsFiled: 1 }))).toEqual(INBOUND_TILE);
    // Snapshots of before issue 11 have no outbound object and no wave 2 counts.
    expect(tileKind(win({ offered: 2, answered: 2 }))).toEqual(INBOUND_TILE);
  });
});

describe('the wallboard service-quality formats', () => {
  it('formats complaints per 10 000, NPS and complaint ages, with a dash for nothing', () => {
    expect([per10k(null), per10k(undefined), per10k(0), per10k(0.4), per10k(3.456), per10k(12.34)]).toEqual(['–', '–', '0.00', '0.40', '3.46', '12.3']);
    expect([npsText(null), npsText(32.4), npsText(-5), npsText(0), npsText(100)]).toEqual(['–', '+32', '-5', '0', '+100']);
    expect(complaintAge(null, 'en')).toBe('–');
    expect(complaintAge(59_999, 'en')).toBe('0 min');
    expect(complaintAge(42 * 60_000, 'zh-CN')).toBe('42分钟');
    expect(complaintAge((5 * 60 + 7) * 60_000, 'en')).toBe('5 h 07 min');
    expect(complaintAge((53 * 60 + 40) * 60_000, 'zh-CN')).toBe('2天5小时');
  });
});

describe('the wallboard tenant strip', () => {
  const tenant = (over: Partial<KpiView> = {}, today: Partial<WindowView> = {}, counts: Partial<WindowView['counts']> = {}): KpiView => ({
    tenantId: 't',
    queueId: null,
    at: '2026-12-01T09:00:00.000Z',
    primarySl: 'sl.negativeAbandon',
    slTarget: 0.8,
    windows: [win({ offered: 1 }, { csatRate: 0.1 }), win(counts, today, 'today')],
    live: { callsWaiting: 0, longestWaitingMs: null, agentsAvailable: 0, agentsOnCall: 0, complaintsOpen: 7, complaintsOverdue: 2, oldestOpenComplaintAgeMs: 3 * 3_600_000 },
    monthToDate: { month: '2026-12', complaintsFiled: 12, complaintsPer10kSubscribers: 0.24 },
    ...over,
  });

  it("shows today's figures, the month's per subscribers, and overdue complaints as an alarm", () => {
    const items = tenantStrip(tenant({}, { complaintsPer10k: 15.2, csatRate: 0.873, nps: 31.6, fcrRepeatRate: 0.712, fcrRate: 0.8 }, { fcrPending: 12 }), 'en');
    const byField = Object.fromEntries(items.map((i) => [i.field, i]));
    expect(items.map((i) => i.field)).toEqual(['complaintsOpen', 'complaintsOverdue', 'oldestOpenComplaint', 'complaintsPer10k', 'complaintsPer10kSubscribers', 'csatRate', 'nps', 'fcrRepeatRate', 'fcrRate']);
    expect(items.map((i) => i.value)).toEqual(['7', '2', '3 h 00 min', '15.2', '0.24', '87%', '+32', '71%', '80%']);
    expect(byField.complaintsOverdue!.alarm).toBe(true);
    expect(byField.complaintsOpen!.alarm).toBe(false);
    expect(byField.fcrRepeatRate!.note).toEqual({ key: 'fcrPending', n: 12 });
  });

  it('shows dashes for null ratios (never 0 %), no alarm without overdue ones, and no per-subscriber figure without a count', () => {
    const items = tenantStrip(
      tenant({ live: { callsWaiting: 0, longestWaitingMs: null, agentsAvailable: 0, agentsOnCall: 0, complaintsOpen: 0, complaintsOverdue: 0, oldestOpenComplaintAgeMs: null }, monthToDate: { month: '2026-12', complaintsFiled: 0, complaintsPer10kSubscribers: null } }, { complaintsPer10k: null, csatRate: null, nps: null, fcrRepeatRate: null, fcrRate: null }),
      'zh-CN',
    );
    expect(items.map((i) => [i.field, i.value])).toEqual([
      ['complaintsOpen', '0'],
      ['complaintsOverdue', '0'],
      ['oldestOpenComplaint', '–'],
      ['complaintsPer10k', '–'],
      ['csatRate', '–'],
      ['nps', '–'],
      ['fcrRepeatRate', '–'],
      ['fcrRate', '–'],
    ]);
    expect(items.some((i) => i.alarm)).toBe(false);
    // A snapshot without the today window or the wave 2 live fields: dashes, not zeros.
    const bare = tenantStrip(tenant({ windows: [], live: { callsWaiting: 0, longestWaitingMs: null, agentsAvailable: 0, agentsOnCall: 0 } }), 'en');
    expect(bare.filter((i) => i.field !== 'complaintsPer10kSubscribers').every((i) => i.value === '–')).toBe(true);
  });
});
