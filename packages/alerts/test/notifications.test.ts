import { isCallboardError } from '@callboard/errors';
import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  type AlertState,
  decideNotifications,
  dueEscalation,
  evaluate,
  isSilenced,
  type Notification,
  type Rule,
  type Sample,
  type Silence,
  silenceSchema,
  unacknowledge,
} from '../src/index.js';
import { makeRule } from './helpers/fixtures.js';

const T0 = Date.UTC(2025, 0, 6, 9, 0, 0);
const MIN = 60_000;

function sample(value: number, queueId = 'sales'): Sample {
  return { tenantId: 'acme', queueId, value, volume: 100, slTarget: 0.8 };
}

function silence(overrides: Partial<Silence> = {}): Silence {
  return silenceSchema.parse({ id: 's1', tenant: 'acme', queue: 'sales', reason: 'planned maintenance', createdBy: 'ops@acme', createdAt: T0 - MIN, expiresAt: T0 + 30 * MIN, ...overrides });
}

/** One service tick: evaluate, then decide; returns the stored state and what was handed to the grouper. */
function tick(prev: AlertState | undefined, rule: Rule, value: number, at: number, silences: Silence[] = []): { state: AlertState; sent: Notification[]; silencedBy?: string } {
  const evaluated = evaluate(prev, rule, sample(value), at).state;
  const decision = decideNotifications(evaluated, rule, silences, at);
  return { state: decision.state, sent: decision.notifications, silencedBy: decision.silencedBy };
}

describe('silences', () => {
  const rule = makeRule({ routes: [] });

  it('suppress notifications while the alert stays firing and visible', () => {
    const s = tick(undefined, rule, 0.5, T0, [silence()]);
    expect(s.state.state).toBe('firing');
    expect(s.state.episode).toBe(1);
    expect(s.sent).toEqual([]);
    expect(s.silencedBy).toBe('s1');
  });

  it('send the fire when the silence expires if the alert still fires, and no resolve for an episode nobody heard of', () => {
    const silences = [silence({ expiresAt: T0 + 5 * MIN })];
    let s = tick(undefined, rule, 0.5, T0, silences);
    s = tick(s.state, rule, 0.5, T0 + 5 * MIN, silences);
    expect(s.sent.map((n) => [n.kind, n.episode, n.at])).toEqual([['fire', 1, T0]]);
    s = tick(s.state, rule, 0.5, T0 + 6 * MIN, silences);
    expect(s.sent).toEqual([]);
    s = tick(s.state, rule, 0.9, T0 + 7 * MIN, silences);
    expect(s.sent.map((n) => n.kind)).toEqual(['resolve']);

    let quiet = tick(undefined, rule, 0.5, T0, silences);
    quiet = tick(quiet.state, rule, 0.9, T0 + MIN, silences);
    expect(quiet.state.state).toBe('resolved');
    quiet = tick(quiet.state, rule, 0.9, T0 + 10 * MIN, silences);
    expect(quiet.sent).toEqual([]);
  });

  it('mute new fires but still send the resolve of an episode whose fire was sent before the silence, marked silenced (issue 8 item 12)', () => {
    // Episode 1 fires and is paged; a silence starts; the episode ends under the silence.
    const silences = [silence({ createdAt: T0 + 2 * MIN, expiresAt: T0 + 60 * MIN })];
    let s = tick(undefined, rule, 0.5, T0, silences);
    expect(s.sent.map((n) => n.kind)).toEqual(['fire']);
    s = tick(s.state, rule, 0.5, T0 + 3 * MIN, silences);
    expect(s.sent).toEqual([]);
    s = tick(s.state, rule, 0.9, T0 + 4 * MIN, silences);
    expect(s.state.state).toBe('resolved');
    expect(s.sent.map((n) => [n.kind, n.episode, n.silenced])).toEqual([['resolve', 1, true]]);
    expect(s.silencedBy).toBe('s1');
    // Decided again (a restart), it is not sent twice.
    expect(decideNotifications(s.state, rule, silences, T0 + 4 * MIN).notifications).toEqual([]);
    // Episode 2 starts and ends under the silence: nobody was paged, so nobody hears it end.
    s = tick(s.state, rule, 0.5, T0 + 5 * MIN, silences);
    expect(s.state.episode).toBe(2);
    expect(s.sent).toEqual([]);
    s = tick(s.state, rule, 0.9, T0 + 6 * MIN, silences);
    expect(s.state.state).toBe('resolved');
    expect(s.sent).toEqual([]);
    s = tick(s.state, rule, 0.9, T0 + 61 * MIN, silences);
    expect(s.sent).toEqual([]);
    // A resolve with no silence carries no mark.
    let plain = tick(undefined, rule, 0.5, T0);
    plain = tick(plain.state, rule, 0.9, T0 + MIN);
    expect(plain.sent.map((n) => [n.kind, n.silenced])).toEqual([['resolve', undefined]]);
  });

  it('match on tenant, queue, rule and label globs, only while active', () => {
    const alert = { tenantId: 'acme', queueId: 'sales-eu', ruleId: 'sl-below-target' };
    const rule = makeRule({ labels: { category: 'service-level' }, severity: 'warning' });
    expect(isSilenced(alert, rule, [silence({ queue: 'sales-*' })], T0)).toBe(true);
    expect(isSilenced(alert, rule, [silence({ queue: 'support-*' })], T0)).toBe(false);
    expect(isSilenced(alert, rule, [silence({ queue: '*', tenant: 'globex' })], T0)).toBe(false);
    expect(isSilenced(alert, rule, [silence({ queue: '*', ruleId: 'sl-*' })], T0)).toBe(true);
    expect(isSilenced(alert, rule, [silence({ queue: '*', ruleId: 'abandon-*' })], T0)).toBe(false);
    expect(isSilenced(alert, rule, [silence({ queue: '*', labels: { severity: 'warning', category: 'service-*' } })], T0)).toBe(true);
    expect(isSilenced(alert, rule, [silence({ queue: '*', labels: { severity: 'critical' } })], T0)).toBe(false);
    expect(isSilenced(alert, rule, [silence({ queue: '*' })], T0 + 30 * MIN)).toBe(false);
    expect(isSilenced(alert, rule, [silence({ queue: '*' })], T0 - 2 * MIN)).toBe(false);
  });

  it('must expire after they start', () => {
    expect(silenceSchema.safeParse({ id: 's', tenant: 'acme', reason: 'x', createdBy: 'me', createdAt: T0, expiresAt: T0 }).success).toBe(false);
  });
});

describe('notification decisions', () => {
  it('notify fire and resolve once per episode, even when decided twice (a restart)', () => {
    const rule = makeRule({ keepFiringForMs: MIN });
    let s = tick(undefined, rule, 0.5, T0);
    expect(s.sent.map((n) => n.kind)).toEqual(['fire']);
    expect(decideNotifications(s.state, rule, [], T0).notifications).toEqual([]);
    s = tick(s.state, rule, 0.9, T0 + MIN);
    s = tick(s.state, rule, 0.5, T0 + 1.5 * MIN);
    expect(s.sent).toEqual([]);
    s = tick(s.state, rule, 0.9, T0 + 2 * MIN);
    s = tick(s.state, rule, 0.9, T0 + 3 * MIN);
    expect(s.sent.map((n) => [n.kind, n.episode])).toEqual([['resolve', 1]]);
    expect(decideNotifications(s.state, rule, [], T0 + 3 * MIN).notifications).toEqual([]);
  });
});

describe('escalation', () => {
  const critical = makeRule({ severity: 'critical', escalateAfterMs: 10 * MIN });

  it('escalates an unacknowledged critical once per episode after N minutes', () => {
    const escalations: [number, number][] = [];
    let state: AlertState | undefined;
    for (let m = 0; m <= 30; m += 1) {
      const value = m < 20 ? 0.5 : m < 22 ? 0.9 : 0.5; // fires, resolves at 20, fires again at 22
      const s = tick(state, critical, value, T0 + m * MIN);
      state = s.state;
      for (const n of s.sent) if (n.kind === 'escalate') escalations.push([m, n.episode]);
    }
    expect(escalations).toEqual([[10, 1]]);
    // Episode 2 fired at minute 22; its escalation is due at 32.
    expect(state?.episode).toBe(2);
    expect(dueEscalation(state as AlertState, critical, T0 + 31 * MIN)).toBe(false);
    expect(dueEscalation(state as AlertState, critical, T0 + 32 * MIN)).toBe(true);
  });

  it('does not escalate an acknowledged alert, and escalates again once unacknowledged', () => {
    let s = tick(undefined, critical, 0.5, T0);
    const acked = acknowledge(s.state, 'lee@acme', T0 + 2 * MIN);
    expect(acked.ack).toEqual({ by: 'lee@acme', at: T0 + 2 * MIN });
    s = tick(acked, critical, 0.5, T0 + 15 * MIN);
    expect(s.sent).toEqual([]);
    expect(s.state.ack?.by).toBe('lee@acme');
    s = tick(unacknowledge(s.state), critical, 0.5, T0 + 16 * MIN);
    expect(s.sent.map((n) => n.kind)).toEqual(['escalate']);
  });

  it('sends the escalation to the escalation routes, the fire to the rule routes, the resolve to both', () => {
    const rule = makeRule({ severity: 'critical', escalateAfterMs: 10 * MIN, routes: ['team'], escalationRoutes: ['manager'] });
    let s = tick(undefined, rule, 0.5, T0);
    expect(s.sent.map((n) => [n.kind, n.routes])).toEqual([['fire', ['team']]]);
    s = tick(s.state, rule, 0.5, T0 + 10 * MIN);
    expect(s.sent.map((n) => [n.kind, n.routes])).toEqual([['escalate', ['manager']]]);
    s = tick(s.state, rule, 0.9, T0 + 11 * MIN);
    expect(s.sent.map((n) => [n.kind, n.routes])).toEqual([['resolve', ['team', 'manager']]]);
    // An episode that never escalated resolves to the rule routes only.
    s = tick(s.state, rule, 0.5, T0 + 12 * MIN);
    s = tick(s.state, rule, 0.9, T0 + 13 * MIN);
    expect(s.sent.map((n) => [n.kind, n.episode, n.routes])).toEqual([['resolve', 2, ['team']]]);
  });

  it('never escalates a warning, or a critical without escalateAfterMs', () => {
    const fired = tick(undefined, makeRule({ severity: 'warning' }), 0.5, T0).state;
    expect(dueEscalation(fired, makeRule({ severity: 'warning' }), T0 + 24 * 60 * MIN)).toBe(false);
    expect(dueEscalation(fired, makeRule({ severity: 'critical' }), T0 + 24 * 60 * MIN)).toBe(false);
  });

  it('is held back by a silence, not lost', () => {
    const silences = [silence({ expiresAt: T0 + 20 * MIN })];
    let s = tick(undefined, critical, 0.5, T0);
    s = tick(s.state, critical, 0.5, T0 + 12 * MIN, silences);
    expect(s.sent).toEqual([]);
    s = tick(s.state, critical, 0.5, T0 + 20 * MIN, silences);
    expect(s.sent.map((n) => n.kind)).toEqual(['escalate']);
  });
});

describe('acknowledgement', () => {
  it('belongs to one episode and is refused outside one', () => {
    const rule = makeRule();
    const fired = tick(undefined, rule, 0.5, T0).state;
    const acked = acknowledge(fired, 'lee', T0 + 1);
    const resolved = tick(acked, rule, 0.9, T0 + 2).state;
    expect(resolved.state).toBe('resolved');
    let refused: unknown;
    try {
      acknowledge(resolved, 'lee', T0 + 3);
    } catch (err) {
      refused = err;
    }
    expect(isCallboardError(refused, 'CB_USAGE')).toBe(true);
    const refired = tick(resolved, rule, 0.5, T0 + 4).state;
    expect(refired.episode).toBe(2);
    expect(refired.ack).toBeUndefined();
    expect(() => acknowledge(tick(undefined, rule, 0.9, T0).state, 'lee', T0)).toThrow(/only a firing or recovering alert/);
  });
});
