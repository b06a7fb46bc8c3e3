import { describe, expect, it } from 'vitest';
import { contribution, DEFAULT_QUEUE_KPI_SETTINGS, outboundContribution, surveyContribution } from '../src/index.js';
import { abandoned, answered, offered } from './helpers/events.js';
import { chatAnswered, failed, outboundCompleted, outboundOffered, survey } from './helpers/wave2-events.js';

const S = DEFAULT_QUEUE_KPI_SETTINGS; // first-response target 30 s

describe('contribution: first response on inbound answers', () => {
  it('counts firstResponseMs exactly at the target as within, 1 ms more as not', () => {
    expect(contribution(chatAnswered('c', 0, 4000, 30_000), S)).toEqual({
      answered: 1,
      waitMsAnswered: 4000,
      answeredWithinSl: 1,
      maxWaitMs: 4000,
      firstResponses: 1,
      firstResponseMs: 30_000,
      firstResponsesWithinTarget: 1,
    });
    expect(contribution(chatAnswered('c', 0, 4000, 30_001), S)).toMatchObject({ firstResponses: 1, firstResponseMs: 30_001, firstResponsesWithinTarget: 0 });
  });

  it('uses the queue target it is given, and adds nothing for an answer without firstResponseMs', () => {
    const tight = { ...S, firstResponseTargetMs: 10_000 };
    expect(contribution(chatAnswered('c', 0, 0, 15_000), tight)).toMatchObject({ firstResponsesWithinTarget: 0 });
    expect(contribution(answered('c', 0, 0), S)).not.toHaveProperty('firstResponses');
  });
});

describe('outboundContribution (decision 0010 §2)', () => {
  it('offer -> attempts; answer -> connected + ring time; abandon -> outboundAbandoned; never an inbound counter or maxWaitMs', () => {
    expect(outboundContribution(outboundOffered('c', 0))).toEqual({ outboundAttempts: 1 });
    expect(outboundContribution(offered('c', 0))).toEqual({ outboundAttempts: 1 }); // the visit's direction decides, not this event's
    expect(outboundContribution(chatAnswered('c', 0, 7000, 100))).toEqual({ outboundConnected: 1, outboundRingMs: 7000 });
    expect(outboundContribution(abandoned('c', 0, 3000))).toEqual({ outboundAbandoned: 1 });
  });

  it('a flow-out counts as failed by its reason; inbound-only reasons as other', () => {
    expect(outboundContribution(failed('c', 0, 30_000, 'no_answer'))).toEqual({ outboundFailedNoAnswer: 1 });
    expect(outboundContribution(failed('c', 0, 1000, 'busy'))).toEqual({ outboundFailedBusy: 1 });
    expect(outboundContribution(failed('c', 0, 0, 'invalid_number'))).toEqual({ outboundFailedInvalidNumber: 1 });
    expect(outboundContribution(failed('c', 0, 2000, 'rejected'))).toEqual({ outboundFailedRejected: 1 });
    expect(outboundContribution(failed('c', 0, 2000, 'other'))).toEqual({ outboundFailedOther: 1 });
    expect(outboundContribution(failed('c', 0, 2000, 'timeout'))).toEqual({ outboundFailedOther: 1 });
  });

  it('a completion counts completed and talk time, and a success only when success === true', () => {
    expect(outboundContribution(outboundCompleted('c', 0, 60_000, true))).toEqual({ outboundCompleted: 1, outboundSucceeded: 1, outboundTalkMs: 60_000 });
    expect(outboundContribution(outboundCompleted('c', 0, 60_000, false))).toMatchObject({ outboundSucceeded: 0 });
    expect(outboundContribution(outboundCompleted('c', 0, 60_000, undefined))).toMatchObject({ outboundSucceeded: 0 });
  });
});

describe('surveyContribution (decision 0010 §3)', () => {
  it('counts csat 4-5 as satisfied, nps 9-10 as promoters and 0-6 as detractors', () => {
    expect(surveyContribution(survey('s', 0, { csat: 4, nps: 9, resolved: true }))).toEqual({
      surveys: 1,
      csatResponses: 1,
      csatSum: 4,
      csatSatisfied: 1,
      npsResponses: 1,
      npsPromoters: 1,
      npsDetractors: 0,
      surveyResolvedKnown: 1,
      surveyResolved: 1,
    });
    expect(surveyContribution(survey('s', 0, { csat: 3, nps: 6, resolved: false }))).toMatchObject({ csatSatisfied: 0, npsPromoters: 0, npsDetractors: 1, surveyResolved: 0 });
    expect(surveyContribution(survey('s', 0, { nps: 7 }))).toMatchObject({ npsPromoters: 0, npsDetractors: 0 });
    expect(surveyContribution(survey('s', 0, { nps: 0 }))).toMatchObject({ npsDetractors: 1 });
    expect(surveyContribution(survey('s', 0, { nps: 10 }))).toMatchObject({ npsPromoters: 1 });
    expect(surveyContribution(survey('s', 0, { csat: 5 }))).toMatchObject({ csatSatisfied: 1 });
  });

  it('a survey with only csat counts nothing for nps or resolution', () => {
    expect(surveyContribution(survey('s', 0, { csat: 2 }))).toEqual({ surveys: 1, csatResponses: 1, csatSum: 2, csatSatisfied: 0 });
    expect(surveyContribution(survey('s', 0, {}))).toEqual({ surveys: 1 });
  });
});
