import { describe, expect, it } from 'vitest';
import { type CanonicalEventInput, parseEvent } from '@callboard/events';
import { expectedLiveState } from './expected-live-state.js';

const T0 = Date.UTC(2026, 0, 5, 9);
const iso = (ms: number) => new Date(ms).toISOString();
const base = { tenantId: 't1', queueId: 'q1' } as const;
const offered = (callId: string, at: number, eventId = `o-${callId}`): CanonicalEventInput => ({ ...base, type: 'call.offered', eventId, callId, occurredAt: iso(at), channel: 'voice', direction: 'inbound' });
const answered = (callId: string, at: number): CanonicalEventInput => ({ ...base, type: 'call.answered', eventId: `a-${callId}`, callId, occurredAt: iso(at), agentId: 'a1', waitMs: 1000 });
const completed = (callId: string, at: number): CanonicalEventInput => ({ ...base, type: 'call.completed', eventId: `c-${callId}`, callId, occurredAt: iso(at), agentId: 'a1', talkMs: 1, holdMs: 0, wrapMs: 0, transferred: false });
const agent = (agentId: string, state: string, at: number, eventId: string, queueIds = ['q1']): CanonicalEventInput =>
  ({ tenantId: 't1', type: 'agent.state_changed', eventId, agentId, state, queueIds, occurredAt: iso(at) }) as CanonicalEventInput;

describe('expectedLiveState', () => {
  it('counts offered calls without an outcome as waiting, since their offer, whatever the order and copies', () => {
    const events = [answered('c2', T0 + 5_000), offered('c1', T0 + 1_000), offered('c1', T0 + 1_000), offered('c2', T0), offered('c3', T0 + 2_000), completed('c4', T0 + 3_000), offered('c4', T0 + 500)].map(parseEvent);
    const live = expectedLiveState(events, T0 + 10_000).get('t1/q1');
    // c2 answered, c4 completed (so answered) even though its answer is missing: c1 and c3 wait.
    expect(live).toMatchObject({ callsWaiting: 2, longestWaitingMs: 9_000 });
  });

  it('forgets a wait older than the maximum waiting age, as the store does', () => {
    const live = expectedLiveState([parseEvent(offered('c1', T0))], T0 + 5 * 3600_000).get('t1/q1');
    expect(live).toMatchObject({ callsWaiting: 0, longestWaitingMs: null });
  });

  it('puts each agent in the state of its latest event by time, then eventId, in every queue it serves', () => {
    const events = [
      agent('a1', 'available', T0, 'e1', ['q1', 'q2']),
      agent('a1', 'on_call', T0 + 1_000, 'e2', ['q1', 'q2']),
      agent('a2', 'away', T0 + 1_000, 'e4'),
      agent('a2', 'wrap_up', T0 + 1_000, 'e3'),
      agent('a3', 'available', T0, 'e5'),
    ].map(parseEvent);
    const views = expectedLiveState(events, T0 + 2_000);
    expect(views.get('t1/q1')).toMatchObject({ agentsOnCall: 1, agentsAway: 1, agentsWrapUp: 0, agentsAvailable: 1, occupancy: 0.5 });
    expect(views.get('t1/q2')).toMatchObject({ agentsOnCall: 1, agentsAvailable: 0, occupancy: 1, callsWaiting: 0 });
  });
});
