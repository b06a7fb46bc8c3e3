import { describe, expect, it } from 'vitest';
import { addCounts, COUNT_FIELDS, emptyCounts, MAX_COUNT_FIELDS, QUEUE_COUNT_FIELDS, TENANT_COUNT_FIELDS, type KpiCounts } from '../src/index.js';
import { createPrng, randomInt } from './helpers/prng.js';

function randomCounts(random: () => number): KpiCounts {
  const counts = emptyCounts();
  for (const field of COUNT_FIELDS) counts[field] = randomInt(random, 0, 100_000);
  return counts;
}

describe('COUNT_FIELDS', () => {
  it('names exactly the DESIGN §3 counters, in a fixed order (they are Redis hash fields)', () => {
    expect(COUNT_FIELDS).toEqual([
      'offered',
      'answered',
      'abandoned',
      'flowedOut',
      'abandonedShort',
      'answeredWithinSl',
      'abandonedWithinSl',
      'completed',
      'talkMs',
      'holdMs',
      'wrapMs',
      'transferred',
      'resolvedKnown',
      'resolved',
      'waitMsAnswered',
      'waitMsAbandoned',
      'maxWaitMs',
      // wave 2 (issue 11): appended, so the indices above keep their meaning in stored buckets
      'outboundAttempts',
      'outboundConnected',
      'outboundRingMs',
      'outboundAbandoned',
      'outboundFailedNoAnswer',
      'outboundFailedBusy',
      'outboundFailedInvalidNumber',
      'outboundFailedRejected',
      'outboundFailedOther',
      'outboundCompleted',
      'outboundSucceeded',
      'outboundTalkMs',
      'firstResponses',
      'firstResponseMs',
      'firstResponsesWithinTarget',
      'surveys',
      'csatResponses',
      'csatSatisfied',
      'csatSum',
      'npsResponses',
      'npsPromoters',
      'npsDetractors',
      'surveyResolvedKnown',
      'surveyResolved',
      'complaintsFiled',
      'complaintsResponded',
      'complaintsRespondedOnTime',
      'complaintsResolved',
      'complaintsRejected',
      'complaintsWithdrawn',
      'fcrContacts',
      'fcrRepeated',
      'fcrPending',
    ]);
    expect(MAX_COUNT_FIELDS).toEqual(['maxWaitMs']);
    expect(QUEUE_COUNT_FIELDS.at(-1)).toBe('surveyResolved');
    expect([...QUEUE_COUNT_FIELDS, ...TENANT_COUNT_FIELDS, 'fcrPending']).toEqual([...COUNT_FIELDS]);
  });
});

describe('emptyCounts', () => {
  it('is all zero, one key per field, and a fresh object each time', () => {
    const a = emptyCounts();
    expect(Object.keys(a)).toEqual([...COUNT_FIELDS]);
    expect(Object.values(a).every((v) => v === 0)).toBe(true);
    a.offered = 3;
    expect(emptyCounts().offered).toBe(0);
  });
});

describe('addCounts', () => {
  it('sums every counter except maxWaitMs, which takes the max', () => {
    const a = { ...emptyCounts(), offered: 2, answered: 1, talkMs: 1000, maxWaitMs: 30_000 };
    const b = { ...emptyCounts(), offered: 3, abandoned: 4, talkMs: 500, maxWaitMs: 12_000 };
    expect(addCounts(a, b)).toEqual({
      ...emptyCounts(),
      offered: 5,
      answered: 1,
      abandoned: 4,
      talkMs: 1500,
      maxWaitMs: 30_000,
    });
  });

  it('does not modify its inputs and treats missing fields of a partial as 0', () => {
    const a = { ...emptyCounts(), offered: 1, maxWaitMs: 5 };
    const frozen = Object.freeze({ ...a });
    const sum = addCounts(frozen, { offered: 1, maxWaitMs: 9 });
    expect(sum).toEqual({ ...emptyCounts(), offered: 2, maxWaitMs: 9 });
    expect(frozen).toEqual(a);
  });

  it('has emptyCounts as identity and is commutative and associative (buckets merge in any order)', () => {
    const random = createPrng(42);
    for (let i = 0; i < 200; i += 1) {
      const [a, b, c] = [randomCounts(random), randomCounts(random), randomCounts(random)];
      expect(addCounts(a, emptyCounts())).toEqual(a);
      expect(addCounts(emptyCounts(), a)).toEqual(a);
      expect(addCounts(a, b)).toEqual(addCounts(b, a));
      expect(addCounts(addCounts(a, b), c)).toEqual(addCounts(a, addCounts(b, c)));
    }
  });
});
