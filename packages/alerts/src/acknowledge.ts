import { CallboardError } from '@callboard/errors';
import { type AlertState, isActive } from './state-machine.js';

/**
 * Records that someone is handling the alert (DESIGN §6 "Lifecycle"). An acknowledged alert stays
 * visible and still resolves; it only stops escalating and repeating. The acknowledgement belongs
 * to the episode: the next `fire` clears it.
 *
 * @param alert - must be firing or recovering
 * @param by - who, as the gateway authenticated them
 * @param at - when (ms)
 * @throws CallboardError `CB_USAGE` when there is no episode to acknowledge
 */
export function acknowledge(alert: AlertState, by: string, at: number): AlertState {
  if (!isActive(alert)) throw new CallboardError('CB_USAGE', `alert ${alert.fingerprint} is ${alert.state}: only a firing or recovering alert can be acknowledged`, { fingerprint: alert.fingerprint });
  return { ...alert, ack: { by, at } };
}

/** Withdraws an acknowledgement, so escalation and repeats apply again. A no-op on an unacknowledged alert. */
export function unacknowledge(alert: AlertState): AlertState {
  const next = { ...alert };
  delete next.ack;
  return next;
}
