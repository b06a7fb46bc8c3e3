import { occurredAtMs, type CanonicalEvent } from '@callboard/events';

/** How a corrupt record is broken; the sink turns the mode into bytes. */
export const CORRUPTION_MODES = ['garbage-bytes', 'truncated', 'invalid-field'] as const;
export type CorruptionMode = (typeof CORRUPTION_MODES)[number];

/**
 * One record of an emitted stream. `emitAt` is the simulated instant the record is handed to
 * the sinks; it equals the event's `occurredAt` unless fault injection delayed it.
 */
export type StreamItem =
  | {
      kind: 'event';
      event: CanonicalEvent;
      emitAt: number;
      /** A second delivery of an event already emitted (same `eventId`). */
      duplicate: boolean;
      /** How long after `occurredAt` it was emitted; 0 when not reordered. */
      delayedMs: number;
    }
  | {
      kind: 'corrupt';
      /** The event the corrupt record was made from. It is also delivered intact, separately. */
      event: CanonicalEvent;
      mode: CorruptionMode;
      emitAt: number;
    };

/** An event as it is emitted without faults. */
export function cleanItem(event: CanonicalEvent): StreamItem {
  return { kind: 'event', event, emitAt: occurredAtMs(event), duplicate: false, delayedMs: 0 };
}
