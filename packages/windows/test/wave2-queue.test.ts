import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '@callboard/events';
import { tenantKeys } from '../src/index.js';
import { ev, iso, NOW, T0, wave2Suite } from './wave2-suite.js';

/*
 * apply-queue.lua's wave 2 rules (decision 0010 §2, §3, §5): direction moves contributions between
 * the inbound and outbound lists, surveys are one-event visits, contact facts go to the outbox.
 */

const offered = (callId: string, at: number, direction: 'inbound' | 'outbound', callerKey?: string) =>
  ev({ type: 'call.offered', callId, occurredAt: iso(at), channel: 'voice', direction, ...(callerKey ? { callerKey } : {}) });
const answered = (callId: string, at: number, waitMs: number) => ev({ type: 'call.answered', callId, occurredAt: iso(at), agentId: 'a1', waitMs });
const completed = (callId: string, at: number, success?: boolean) =>
  ev({ type: 'call.completed', callId, occurredAt: iso(at), agentId: 'a1', talkMs: 60_000, holdMs: 0, wrapMs: 0, transferred: false, ...(success === undefined ? {} : { success }) });
const flowedOut = (callId: string, at: number, reason: string) => ev({ type: 'call.flowed_out', callId, occurredAt: iso(at), waitMs: 30_000, reason });
const survey = (surveyId: string, at: number, fields: Record<string, unknown>, eventId?: string) => ev({ type: 'survey.completed', surveyId, occurredAt: iso(at), ...fields }, eventId);

describe('apply-queue.lua wave 2 (real Redis)', () => {
  const suite = wave2Suite('w2q');
  const apply = (events: CanonicalEvent[]) => suite.apply(events);
  const counts = async () => (await suite.store.readRange('acme', 'camp', T0, T0 + 1800_000, NOW)).counts;
  const outbox = async () => (await suite.redis.lrange(suite.store.keys('acme', 'camp').contactsOutbox, 0, -1)).map((f) => JSON.parse(f) as Record<string, unknown>);

  it('counts an outbound visit only in the outbound counters, and not in the waiting set', async () => {
    await apply([offered('o1', T0 + 1_000, 'outbound'), answered('o1', T0 + 11_000, 10_000), completed('o1', T0 + 71_000, true), offered('o2', T0 + 2_000, 'outbound'), flowedOut('o2', T0 + 32_000, 'busy'), offered('o3', T0 + 3_000, 'outbound')]);
    const c = await counts();
    expect(c).toMatchObject({ offered: 0, answered: 0, completed: 0, flowedOut: 0, outboundAttempts: 3, outboundConnected: 1, outboundRingMs: 10_000, outboundCompleted: 1, outboundSucceeded: 1, outboundTalkMs: 60_000, outboundFailedBusy: 1, maxWaitMs: 30_000 });
    expect((await suite.store.liveState('acme', 'camp', NOW)).callsWaiting).toBe(0);
  });

  it('moves every applied contribution when a late-delivered offer says the visit is outbound, and back', async () => {
    const first = await apply([answered('o1', T0 + 11_000, 10_000), completed('o1', T0 + 71_000)]);
    expect(first.revised).toBe(0);
    expect(await counts()).toMatchObject({ answered: 1, completed: 1, talkMs: 60_000, outboundConnected: 0 });
    const second = await apply([offered('o1', T0 + 1_000, 'outbound')]);
    expect(second.revised).toBe(2);
    expect(await counts()).toMatchObject({ answered: 0, completed: 0, talkMs: 0, waitMsAnswered: 0, outboundAttempts: 1, outboundConnected: 1, outboundCompleted: 1, outboundTalkMs: 60_000 });
    // An earlier inbound offer of the same visit wins (first in time order): everything moves back.
    const third = await apply([ev({ type: 'call.offered', callId: 'o1', occurredAt: iso(T0 + 500), channel: 'voice', direction: 'inbound' })]);
    expect(third.revised).toBe(3);
    expect(await counts()).toMatchObject({ offered: 1, answered: 1, completed: 1, talkMs: 60_000, outboundAttempts: 0, outboundConnected: 0, outboundCompleted: 0, outboundTalkMs: 0 });
    expect((await suite.store.queueStats('acme', 'camp')).duplicates).toBe(1);
  });

  it('reads visit records written before outbound existed (no "|") as inbound', async () => {
    const keys = suite.store.keys('acme', 'camp');
    // What the previous script stored for an applied inbound answer (answered=1, waitMsAnswered=10000).
    await suite.redis.hset(keys.visit('old'), 'legacy-a', `${T0 + 11_000}a1,1,14,10000`);
    await apply([offered('old', T0 + 1_000, 'outbound')]);
    // The stored answer was never counted by this namespace's buckets, so taking it back shows as -1.
    expect(await counts()).toMatchObject({ answered: -1, waitMsAnswered: -10_000, outboundAttempts: 1 });
  });

  it('applies the first survey of a surveyId in (occurredAt, eventId) order, re-judging an earlier arrival', async () => {
    await apply([survey('s1', T0 + 60_000, { csat: 5, nps: 10, resolved: true }, 'sv-b')]);
    expect(await counts()).toMatchObject({ surveys: 1, csatResponses: 1, csatSum: 5, csatSatisfied: 1, npsResponses: 1, npsPromoters: 1, surveyResolvedKnown: 1, surveyResolved: 1 });
    const r = await apply([survey('s1', T0 + 30_000, { csat: 2, nps: 3, resolved: false }, 'sv-a'), survey('s1', T0 + 60_000, { csat: 5 }, 'sv-b')]);
    expect(r).toMatchObject({ applied: 1, duplicates: 1, revised: 1 });
    expect(await counts()).toMatchObject({ surveys: 1, csatResponses: 1, csatSum: 2, csatSatisfied: 0, npsResponses: 1, npsPromoters: 0, npsDetractors: 1, surveyResolvedKnown: 1, surveyResolved: 0 });
    expect((await suite.store.queueStats('acme', 'camp')).duplicates).toBe(2);
  });

  it('tells the tenant of a visit\'s contact only when it changes (the store drains the outbox)', async () => {
    const tk = tenantKeys(suite.store.namespace, 'acme');
    const contact = (k: string) => suite.redis.hgetall(tk.callerKey(k));
    const r1 = await apply([offered('c1', T0 + 1_000, 'inbound', 'k-1'), offered('c2', T0 + 2_000, 'inbound'), offered('c3', T0 + 3_000, 'outbound', 'k-3')]);
    expect(r1.contactMembers).toEqual(['q:acme:camp']);
    expect(await contact('k-1')).toEqual({ 'camp\u0000c1': `${T0 + 1_000}:0:0` });
    expect(await contact('k-3')).toEqual({});
    await apply([answered('c1', T0 + 9_000, 8_000), answered('c2', T0 + 9_000, 7_000), completed('c1', T0 + 20_000)]);
    expect(await contact('k-1')).toEqual({ 'camp\u0000c1': `${T0 + 1_000}:1:0` });
    // An earlier offer with another key takes over the visit's contact; a second answer changes nothing.
    await apply([offered('c1', T0 + 500, 'inbound', 'k-9')]);
    const again = await apply([answered('c1', T0 + 9_000, 8_000)]);
    expect(again.contactMembers).toEqual([]);
    expect(await contact('k-1')).toEqual({});
    expect(await contact('k-9')).toEqual({ 'camp\u0000c1': `${T0 + 500}:1:0` });
    expect(await counts()).toMatchObject({ fcrContacts: 1, fcrRepeated: 0 });
    // An earlier outbound offer ends the contact.
    await apply([offered('c1', T0 + 100, 'outbound')]);
    expect(await contact('k-9')).toEqual({});
    expect(await counts()).toMatchObject({ fcrContacts: 0, outboundAttempts: 2 }); // c3 and c1
    expect(await outbox()).toEqual([]);
  });
});
