import { describe, expect, it } from 'vitest';
import { computeRatios, emptyCounts, RATIO_FIELDS, type KpiCounts } from '../src/index.js';
import { NO_WAVE2 } from './helpers/ratios.js';

const counts = (c: Partial<KpiCounts>): KpiCounts => ({ ...emptyCounts(), ...c });

describe('computeRatios: the wave 2 formulas (issue 11 "Definitions"), by hand', () => {
  it('outbound: the counters under their report names, connectRate, successRate, avgRingMs, avgTalkMs', () => {
    const r = computeRatios(
      counts({
        outboundAttempts: 10,
        outboundConnected: 4,
        outboundRingMs: 40_000,
        outboundAbandoned: 1,
        outboundFailedNoAnswer: 2,
        outboundFailedBusy: 1,
        outboundFailedInvalidNumber: 1,
        outboundFailedRejected: 0,
        outboundFailedOther: 1,
        outboundCompleted: 3,
        outboundSucceeded: 1,
        outboundTalkMs: 90_000,
      }),
    );
    expect(r.outbound).toEqual({
      attempts: 10,
      connected: 4,
      succeeded: 1,
      abandoned: 1,
      failed: { no_answer: 2, busy: 1, invalid_number: 1, rejected: 0, other: 1 },
      connectRate: 0.4, // 4 / 10
      successRate: 0.25, // 1 / 4: the connected call still in progress is in the denominator
      avgRingMs: 10_000, // 40 000 / 4
      avgTalkMs: 30_000, // 90 000 / 3 completed
    });
    // Outbound counters never touch the inbound ratios.
    expect(r.answerRate).toBeNull();
    expect(r.sl.negativeAbandon).toBeNull();
    expect(r.avgTalkMs).toBeNull();
  });

  it('outbound: an attempt with no outcome gives connectRate 0 and successRate null', () => {
    const r = computeRatios(counts({ outboundAttempts: 1 }));
    expect(r.outbound.connectRate).toBe(0);
    expect(r.outbound.successRate).toBeNull();
    expect(r.outbound.avgRingMs).toBeNull();
    expect(r.outbound.avgTalkMs).toBeNull();
  });

  it('first response: the mean and the share within target', () => {
    const r = computeRatios(counts({ firstResponses: 4, firstResponseMs: 100_000, firstResponsesWithinTarget: 3 }));
    expect(r.avgFirstResponseMs).toBe(25_000);
    expect(r.firstResponseWithinTarget).toBe(0.75);
  });

  it('complaints per 10 000 handled contacts, per 10 000 subscribers, and the on-time response rate', () => {
    const c = counts({ answered: 8000, complaintsFiled: 6, complaintsResponded: 4, complaintsRespondedOnTime: 3 });
    const r = computeRatios(c, { subscribers: 120_000 });
    expect(r.complaintsPer10k).toBe((6 / 8000) * 10_000); // 7.5
    expect(r.complaintsPer10k).toBeCloseTo(7.5, 12);
    expect(r.complaintsPer10kSubscribers).toBe((6 / 120_000) * 10_000); // 0.5
    expect(r.complaintsPer10kSubscribers).toBeCloseTo(0.5, 12);
    expect(r.complaintResponseOnTimeRate).toBe(0.75);
    // Without a subscriber count (or with 0 subscribers) that ratio is null.
    expect(computeRatios(c).complaintsPer10kSubscribers).toBeNull();
    expect(computeRatios(c, { subscribers: 0 }).complaintsPer10kSubscribers).toBeNull();
    // Complaints with nothing answered: per 10 000 handled contacts is null, not infinite.
    expect(computeRatios(counts({ complaintsFiled: 2 })).complaintsPer10k).toBeNull();
  });

  it('surveys: csatRate, avgCsat, nps from -100 to 100, surveyResolvedRate', () => {
    // csat 5, 4, 2 -> 2 satisfied of 3, sum 11; nps 10, 9, 7, 3, 0 -> 2 promoters, 2 detractors of 5.
    const r = computeRatios(
      counts({
        surveys: 5,
        csatResponses: 3,
        csatSatisfied: 2,
        csatSum: 11,
        npsResponses: 5,
        npsPromoters: 2,
        npsDetractors: 2,
        surveyResolvedKnown: 4,
        surveyResolved: 1,
      }),
    );
    expect(r.csatRate).toBe(2 / 3);
    expect(r.avgCsat).toBe(11 / 3);
    expect(r.nps).toBe(0);
    expect(r.surveyResolvedRate).toBe(0.25);
    expect(computeRatios(counts({ npsResponses: 4, npsPromoters: 3, npsDetractors: 0 })).nps).toBe(75);
    expect(computeRatios(counts({ npsResponses: 2, npsPromoters: 0, npsDetractors: 2 })).nps).toBe(-100);
    // A survey with only csat: nps and the resolved rate stay null.
    const onlyCsat = computeRatios(counts({ surveys: 1, csatResponses: 1, csatSatisfied: 1, csatSum: 5 }));
    expect([onlyCsat.csatRate, onlyCsat.avgCsat, onlyCsat.nps, onlyCsat.surveyResolvedRate]).toEqual([1, 5, null, null]);
  });

  it('fcrRepeatRate leaves the pending contacts out of both sides', () => {
    // 10 contacts: 2 repeated, 3 pending, so 5 final without a repeat of 7 final.
    expect(computeRatios(counts({ fcrContacts: 10, fcrRepeated: 2, fcrPending: 3 })).fcrRepeatRate).toBe(5 / 7);
    // All pending: nothing final yet.
    expect(computeRatios(counts({ fcrContacts: 2, fcrPending: 2 })).fcrRepeatRate).toBeNull();
    // All repeated: 0, not null.
    expect(computeRatios(counts({ fcrContacts: 2, fcrRepeated: 2 })).fcrRepeatRate).toBe(0);
    // A survey's resolved feeds neither FCR.
    const r = computeRatios(counts({ surveyResolvedKnown: 1, surveyResolved: 1 }));
    expect([r.fcrRate, r.fcrRepeatRate]).toEqual([null, null]);
  });

  it('every wave 2 ratio is null on an empty denominator, the outbound counts 0', () => {
    const r = computeRatios(emptyCounts(), { subscribers: 1000 });
    expect(r.outbound).toEqual(NO_WAVE2.outbound);
    const wave2 = RATIO_FIELDS.slice(RATIO_FIELDS.indexOf('avgFirstResponseMs')).filter((f) => f !== 'complaintsPer10kSubscribers');
    expect(wave2).toHaveLength(9);
    for (const name of wave2) {
      expect(r[name], name).toBeNull();
    }
    // Per subscribers the denominator is the subscriber count: 0 complaints of 1000 subscribers is 0.
    expect(r.complaintsPer10kSubscribers).toBe(0);
  });
});
