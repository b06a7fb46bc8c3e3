import { isCallboardError } from '@callboard/errors';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_KPI_SETTINGS, judgeContacts, resolveTenantKpiSettings, type Contact } from '../src/index.js';
import { createPrng, randomInt } from './helpers/prng.js';

const H = 3_600_000;

/** The definition read literally, in O(n²): the reference for the sorted search. */
function naive(contacts: readonly Contact[], windowMs: number, clock: number) {
  return contacts
    .filter((c) => c.handled)
    .map((c) => {
      const repeated = contacts.some((o) => o.tenantId === c.tenantId && o.callerKey === c.callerKey && o.callId !== c.callId && o.ms > c.ms && o.ms <= c.ms + windowMs);
      return { contact: c, repeated, pending: !repeated && clock <= c.ms + windowMs };
    });
}

const key = (j: { contact: Contact }) => JSON.stringify([j.contact.tenantId, j.contact.queueId, j.contact.callId]);

describe('judgeContacts', () => {
  it('skips later visits of the same callId (a call flowing on) to find a repeat of another call', () => {
    const c = (callId: string, queueId: string, ms: number, handled = true): Contact => ({ tenantId: 't', queueId, callId, callerKey: 'k', ms, handled });
    const contacts = [c('a', 'q1', 0), c('a', 'q2', 10), c('a', 'q3', 20), c('b', 'q1', 30, false), c('d', 'q1', 5 * H)];
    const judged = judgeContacts(contacts, () => 2 * H, () => 6 * H);
    expect(Object.fromEntries(judged.map((j) => [j.contact.queueId + j.contact.callId, j.repeated]))).toEqual({ q1a: true, q2a: true, q3a: true, q1d: false });
    expect(judged.find((j) => j.contact.callId === 'd')!.pending).toBe(true);
  });

  it.each([1, 2, 3, 4])('equals the literal definition on random contacts, seed %i', (seed) => {
    const random = createPrng(seed);
    const contacts: Contact[] = [];
    const visits = new Set<string>();
    for (let i = 0; i < 400; i += 1) {
      const call = randomInt(random, 0, 120);
      const contact: Contact = {
        tenantId: random() < 0.5 ? 't1' : 't2',
        queueId: `q${randomInt(random, 0, 3)}`,
        callId: `c${call}`, // the same callId in several visits (and mostly the same caller), often
        callerKey: `k${random() < 0.7 ? call % 15 : randomInt(random, 0, 15)}`,
        ms: randomInt(random, 0, 40) * 15 * 60_000, // coarse times: ties and exact N h apart are common
        handled: random() < 0.6,
      };
      // One contact per visit (tenant, queue, callId), as the oracle gives them.
      if (visits.has(key({ contact }))) continue;
      visits.add(key({ contact }));
      contacts.push(contact);
    }
    const clock = 10 * H;
    const fast = judgeContacts(contacts, () => 2 * H, () => clock);
    const slow = naive(contacts, 2 * H, clock);
    expect(new Map(fast.map((j) => [key(j), j]))).toEqual(new Map(slow.map((j) => [key(j), j])));
    expect(fast.some((j) => j.repeated) && fast.some((j) => j.pending) && fast.some((j) => !j.repeated && !j.pending)).toBe(true);
  });
});

describe('resolveTenantKpiSettings', () => {
  it('fills each missing setting from the defaults, each severity apart', () => {
    expect(resolveTenantKpiSettings()).toEqual({ repeatWindowHours: 48, complaintResponseMs: { urgent: 2 * H, normal: 24 * H } });
    expect(resolveTenantKpiSettings({ subscribers: 10, complaintResponseMs: { urgent: H } as never })).toEqual({ subscribers: 10, repeatWindowHours: 48, complaintResponseMs: { urgent: H, normal: 24 * H } });
    expect(DEFAULT_TENANT_KPI_SETTINGS.repeatWindowHours).toBe(48);
  });

  it.each([{ subscribers: 0 }, { repeatWindowHours: 0 }, { repeatWindowHours: 1.5 }, { complaintResponseMs: { urgent: -1, normal: 1 } }])('refuses %j with CB_QUEUE_CONFIG_INVALID', (bad) => {
    let caught: unknown;
    try {
      resolveTenantKpiSettings(bad);
    } catch (err) {
      caught = err;
    }
    expect(isCallboardError(caught, 'CB_QUEUE_CONFIG_INVALID')).toBe(true);
  });
});
