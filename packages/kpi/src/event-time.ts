import { CallboardError } from '@callboard/errors';
import { occurredAtMs, type CanonicalEvent } from '@callboard/events';

/**
 * An event's `occurredAt` in epoch ms, for the oracle's inputs (which may skip validation).
 *
 * @throws CallboardError `CB_INPUT_INVALID` for an unparsable `occurredAt`
 */
export function timeOf(event: CanonicalEvent): number {
  const ms = occurredAtMs(event);
  if (Number.isNaN(ms)) {
    throw new CallboardError('CB_INPUT_INVALID', 'event occurredAt is not an instant', {
      eventId: event.eventId,
      occurredAt: event.occurredAt,
    });
  }
  return ms;
}
