import { fingerprint } from './fingerprint.js';
import type { Rule } from './rule.js';
import { compare, resolveThreshold } from './threshold.js';

/** The states of DESIGN §6, plus `nodata` for a window too quiet to judge. */
export const ALERT_STATES = ['normal', 'pending', 'firing', 'recovering', 'resolved', 'nodata'] as const;

/** One alert state. */
export type AlertStateName = (typeof ALERT_STATES)[number];

/** Why a state changed; only `fire` and `resolve` notify (see {@link isNotifiable}). */
export type TransitionKind = 'fire' | 'resolve' | 'pending' | 'recovering' | 'nodata' | 'normal' | 'refire';

/** A change of state made by one {@link evaluate}. */
export interface Transition {
  from: AlertStateName;
  to: AlertStateName;
  kind: TransitionKind;
}

/** Who acknowledged an alert, and when (ms). Cleared when a new episode fires. */
export interface Acknowledgement {
  by: string;
  at: number;
}

/**
 * Everything remembered about one (rule, tenant, queue). Plain JSON, so the service keeps it in
 * Redis and a restart neither re-fires nor loses a resolve (DESIGN §6 "Restarts").
 */
export interface AlertState {
  fingerprint: string;
  ruleId: string;
  tenantId: string;
  queueId: string;
  state: AlertStateName;
  /** When the current state was entered (ms). */
  since: number;
  /** The last sample's value; `null` when there was none. */
  value: number | null;
  /** Counts firings: +1 each time the alert enters `firing` from a state that was not firing or recovering. */
  episode: number;
  /** When the current (or last) episode fired. */
  firedAt?: number;
  /** When the last episode resolved. */
  resolvedAt?: number;
  ack?: Acknowledgement;
  /** The episode whose escalation was sent; escalation happens at most once per episode. */
  escalatedEpisode?: number;
  /** The episode whose `fire` notification was handed to the grouper (see `decideNotifications`). */
  notifiedEpisode?: number;
  lastEvaluatedAt: number;
}

/** One reading of a rule's metric for one queue, with what is needed to resolve `ofTarget` thresholds. */
export interface Sample {
  tenantId: string;
  queueId: string;
  value: number | null;
  volume: number;
  /** The queue's SL target, a fraction in (0, 1]. */
  slTarget: number;
}

/** What one {@link evaluate} returns: the next state and, when the state changed, how. */
export interface Evaluation {
  state: AlertState;
  transition?: Transition;
}

/** A fresh alert in `normal`, as if it had always been quiet. */
export function initialAlertState(rule: Pick<Rule, 'id'>, tenantId: string, queueId: string, at: number): AlertState {
  return { fingerprint: fingerprint(rule.id, tenantId, queueId), ruleId: rule.id, tenantId, queueId, state: 'normal', since: at, value: null, episode: 0, lastEvaluatedAt: at };
}

/**
 * Advances one alert by one sample. Pure: the result depends only on `(prev, rule, sample, at)`, so
 * a wall-clock tick that re-evaluates the last known sample moves `forMs` and `keepFiringForMs` on
 * even when no new snapshot has arrived.
 *
 * The sample is judged three ways, with thresholds resolved for the queue (`ofTarget` × SL target):
 * - **no data**: value `null`, or volume below `minVolume`;
 * - **breach**: `value comparator fire` (e.g. SL < 0.8);
 * - **cleared**: `value comparator clear` is false (for `<`: value ≥ clear; for `>`: value ≤ clear).
 *   Between breach and cleared lies the hysteresis band, where the alert keeps its state: a metric
 *   that oscillates between the two thresholds fires once and resolves once.
 *
 * Transitions:
 * - normal, resolved or nodata: no data → `nodata`; breach → `pending` (since = at), or straight to
 *   `firing` when `forMs` is 0; otherwise → `normal` (so `resolved` lasts one evaluation).
 * - pending: no data → `nodata`; breach held for ≥ `forMs` since entering pending → `firing`
 *   (kind `fire`: episode + 1, `firedAt` = at, acknowledgement cleared); breach not yet held that long →
 *   stays pending; no breach → `normal`.
 * - firing: cleared → `recovering` (since = at), or straight to `resolved` when `keepFiringForMs` is 0;
 *   breach or band → stays firing.
 * - recovering: breach → `firing` again (kind `refire`: same episode, no notification); cleared and
 *   ≥ `keepFiringForMs` since entering recovering → `resolved` (kind `resolve`, `resolvedAt` = at);
 *   otherwise stays recovering.
 * - While firing or recovering, no data counts as cleared: a queue that went quiet (no calls, so no
 *   rate) resolves after `keepFiringForMs` instead of firing forever on a stale value. Volume is never
 *   a reason to fire, so `nodata` cannot produce a false fire.
 *
 * @param prev - the stored state, or `undefined` for an alert never evaluated (treated as `normal`)
 * @param rule - the validated rule
 * @param sample - the metric's value and volume for the queue
 * @param at - evaluation time (ms); the wall clock of the tick, not the snapshot's time
 */
export function evaluate(prev: AlertState | undefined, rule: Rule, sample: Sample, at: number): Evaluation {
  const base = prev ?? initialAlertState(rule, sample.tenantId, sample.queueId, at);
  const noData = sample.value === null || !Number.isFinite(sample.value) || sample.volume < rule.minVolume;
  const value = sample.value !== null && Number.isFinite(sample.value) ? sample.value : null;
  const breach = !noData && value !== null && compare(value, rule.comparator, resolveThreshold(rule.fire, rule.metric, sample.slTarget));
  const cleared = noData || value === null || !compare(value, rule.comparator, resolveThreshold(rule.clear, rule.metric, sample.slTarget));
  const current: AlertState = { ...base, value, lastEvaluatedAt: at };

  const move = (to: AlertStateName, kind: TransitionKind, extra: Partial<AlertState> = {}): Evaluation => ({
    state: { ...current, state: to, since: at, ...extra },
    transition: { from: base.state, to, kind },
  });
  const fire = (): Evaluation => {
    const state: AlertState = { ...current, state: 'firing', since: at, episode: base.episode + 1, firedAt: at };
    // A new episode is news: whoever acknowledged the last one has not seen this one.
    delete state.ack;
    return { state, transition: { from: base.state, to: 'firing', kind: 'fire' } };
  };
  const stay = (): Evaluation => ({ state: current });

  switch (base.state) {
    case 'normal':
    case 'resolved':
    case 'nodata':
      if (noData) return base.state === 'nodata' ? stay() : move('nodata', 'nodata');
      if (breach) return rule.forMs === 0 ? fire() : move('pending', 'pending');
      return base.state === 'normal' ? stay() : move('normal', 'normal');
    case 'pending':
      if (noData) return move('nodata', 'nodata');
      if (!breach) return move('normal', 'normal');
      return at - base.since >= rule.forMs ? fire() : stay();
    case 'firing':
      if (!cleared) return stay();
      return rule.keepFiringForMs === 0 ? move('resolved', 'resolve', { resolvedAt: at }) : move('recovering', 'recovering');
    case 'recovering':
      if (breach) return move('firing', 'refire');
      if (cleared && at - base.since >= rule.keepFiringForMs) return move('resolved', 'resolve', { resolvedAt: at });
      return stay();
  }
}

/** Whether a transition is worth telling someone: a new episode firing, or one resolving. */
export function isNotifiable(transition: Transition | undefined): boolean {
  return transition?.kind === 'fire' || transition?.kind === 'resolve';
}

/** Whether an alert is in an episode: firing, or recovering but not yet resolved. */
export function isActive(alert: Pick<AlertState, 'state'>): boolean {
  return alert.state === 'firing' || alert.state === 'recovering';
}
