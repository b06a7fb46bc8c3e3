import { isCallboardError } from '@callboard/errors';
import { describe, expect, it } from 'vitest';
import { contribution, DEFAULT_QUEUE_KPI_SETTINGS, resolveQueueKpiSettings } from '../src/index.js';
import { abandoned, answered, completed, flowedOut, offered } from './helpers/events.js';

const S = DEFAULT_QUEUE_KPI_SETTINGS;

describe('queue settings', () => {
  it('default to T = 20 s, short abandon = 5 s and a 30 s first-response target', () => {
    expect(DEFAULT_QUEUE_KPI_SETTINGS).toEqual({ slThresholdMs: 20_000, shortAbandonMs: 5_000, firstResponseTargetMs: 30_000 });
    expect(Object.isFrozen(DEFAULT_QUEUE_KPI_SETTINGS)).toBe(true);
    expect(resolveQueueKpiSettings()).toEqual({ slThresholdMs: 20_000, shortAbandonMs: 5_000, firstResponseTargetMs: 30_000 });
    expect(resolveQueueKpiSettings({ slThresholdMs: 30_000 })).toEqual({ slThresholdMs: 30_000, shortAbandonMs: 5_000, firstResponseTargetMs: 30_000 });
  });

  it.each([-1, 1.5, Number.NaN, Infinity])('rejects slThresholdMs %s with CB_QUEUE_CONFIG_INVALID', (bad) => {
    let caught: unknown;
    try {
      resolveQueueKpiSettings({ slThresholdMs: bad });
    } catch (err) {
      caught = err;
    }
    expect(isCallboardError(caught, 'CB_QUEUE_CONFIG_INVALID')).toBe(true);
  });
});

describe('contribution', () => {
  it('counts an offer as one arrival and nothing else', () => {
    expect(contribution(offered('c1', 0), S)).toEqual({ offered: 1 });
  });

  it('counts an answer with a wait exactly T as within SL, and T + 1 ms as not', () => {
    expect(contribution(answered('c1', 0, 20_000), S)).toEqual({
      answered: 1,
      waitMsAnswered: 20_000,
      answeredWithinSl: 1,
      maxWaitMs: 20_000,
    });
    expect(contribution(answered('c1', 0, 20_001), S)).toEqual({
      answered: 1,
      waitMsAnswered: 20_001,
      answeredWithinSl: 0,
      maxWaitMs: 20_001,
    });
  });

  it('counts an abandon under 5 s (strictly) as short, and up to T inclusive as within SL', () => {
    expect(contribution(abandoned('c1', 0, 4_999), S)).toEqual({
      abandoned: 1,
      waitMsAbandoned: 4_999,
      abandonedShort: 1,
      abandonedWithinSl: 1,
      maxWaitMs: 4_999,
    });
    expect(contribution(abandoned('c1', 0, 5_000), S)).toMatchObject({ abandonedShort: 0, abandonedWithinSl: 1 });
    expect(contribution(abandoned('c1', 0, 20_000), S)).toMatchObject({ abandonedShort: 0, abandonedWithinSl: 1 });
    expect(contribution(abandoned('c1', 0, 20_001), S)).toMatchObject({ abandonedShort: 0, abandonedWithinSl: 0 });
    expect(contribution(abandoned('c1', 0, 0), S)).toMatchObject({ abandonedShort: 1, abandonedWithinSl: 1 });
  });

  it('uses the queue settings it is given', () => {
    const strict = { slThresholdMs: 10_000, shortAbandonMs: 2_000, firstResponseTargetMs: 30_000 };
    expect(contribution(answered('c1', 0, 15_000), strict)).toMatchObject({ answeredWithinSl: 0 });
    expect(contribution(abandoned('c1', 0, 3_000), strict)).toMatchObject({ abandonedShort: 0, abandonedWithinSl: 1 });
  });

  it('counts a flow-out and its wait only as the max', () => {
    expect(contribution(flowedOut('c1', 0, 90_000), S)).toEqual({ flowedOut: 1, maxWaitMs: 90_000 });
  });

  it('counts a completion with its handling times, transfer and resolution', () => {
    expect(contribution(completed('c1', 0, { talkMs: 100, holdMs: 20, wrapMs: 30, transferred: true, resolved: true }), S)).toEqual({
      completed: 1,
      talkMs: 100,
      holdMs: 20,
      wrapMs: 30,
      transferred: 1,
      resolvedKnown: 1,
      resolved: 1,
    });
    expect(contribution(completed('c1', 0, { talkMs: 1, holdMs: 0, wrapMs: 0, resolved: false }), S)).toMatchObject({
      transferred: 0,
      resolvedKnown: 1,
      resolved: 0,
    });
    expect(contribution(completed('c1', 0, { talkMs: 1, holdMs: 0, wrapMs: 0 }), S)).toMatchObject({
      resolvedKnown: 0,
      resolved: 0,
    });
  });
});
