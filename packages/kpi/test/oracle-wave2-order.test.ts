import { describe, expect, it } from 'vitest';
import { complaintLiveState, computeOracle, type OracleOptions } from '../src/index.js';
import { T0 } from './helpers/events.js';
import { createPrng, shuffled } from './helpers/prng.js';
import { wave2Traffic } from './helpers/wave2-traffic.js';

const H = 3_600_000;

describe('computeOracle: the same result for every order of wave 2 traffic with copies', () => {
  it.each([21, 22, 23])('seed %i: shuffled and with a random set of copies, 20 times', (seed) => {
    const random = createPrng(seed);
    const events = wave2Traffic(random, 400);
    const withCopies = [...events, ...events.filter(() => random() < 0.2).map((e) => ({ ...e }))];
    const options: OracleOptions = {
      from: T0 + 6 * H,
      to: T0 + 60 * H,
      nowMs: T0 + 50 * H,
      tenantSettings: (tenantId) => (tenantId === 't1' ? { subscribers: 50_000, repeatWindowHours: 24 } : {}),
    };
    const reference = computeOracle(withCopies, options);
    const whole = computeOracle(withCopies);
    // The traffic exercises every part: outbound, first response, surveys, complaints at both levels, FCR.
    const t1 = whole.tenants.find((t) => t.tenantId === 't1')!;
    expect(t1.counts.outboundAttempts).toBeGreaterThan(0);
    expect(t1.counts.firstResponses).toBeGreaterThan(0);
    expect(t1.counts.surveys).toBeGreaterThan(0);
    expect(t1.counts.complaintsRespondedOnTime).toBeGreaterThan(0);
    expect(t1.counts.fcrRepeated).toBeGreaterThan(0);
    expect(t1.counts.fcrContacts).toBeGreaterThan(t1.counts.fcrRepeated);
    expect(t1.duplicates).toBeGreaterThan(0);
    expect(t1.anomalies).toBeGreaterThan(0);
    for (let i = 0; i < 20; i += 1) {
      const order = shuffled(withCopies, random);
      expect(computeOracle(order, options)).toEqual(reference);
      expect(complaintLiveState(order, { nowMs: T0 + 50 * H, queueId: null, tenantId: 't1' })).toEqual(reference.tenants[0]!.complaintState);
    }
  });

  it('runs on 100k+ events', () => {
    const events = wave2Traffic(createPrng(5), 40_000, 24 * 30);
    expect(events.length).toBeGreaterThan(100_000);
    const { queues, tenants } = computeOracle(events, { nowMs: T0 + 24 * 30 * H });
    expect(tenants.map((t) => t.counts.offered)).toEqual(tenants.map((t) => queues.filter((q) => q.tenantId === t.tenantId).reduce((n, q) => n + q.counts.offered, 0)));
  }, 60_000);
});
