import type { CallEvent } from '@callboard/events';
import type { KpiCounts } from './counts.js';
import type { QueueKpiSettings } from './queue-settings.js';

/**
 * What one applied call event adds to its queue's counters (DESIGN §3).
 *
 * Only call this for an event the visit state machine applied (see `applyToVisit`);
 * duplicates and anomalies contribute nothing. The result goes to the bucket that
 * holds the event's own `occurredAt`. Thresholds: within SL is `waitMs <= T`
 * (inclusive), short abandon is `waitMs < shortAbandonMs` (strict).
 *
 * @param event - an applied call event
 * @param settings - the queue's thresholds
 * @returns only the counters this event changes; merge with `addCounts`
 */
export function contribution(event: CallEvent, settings: QueueKpiSettings): Partial<KpiCounts> {
  switch (event.type) {
    case 'call.offered':
      return { offered: 1 };
    case 'call.answered':
      return {
        answered: 1,
        waitMsAnswered: event.waitMs,
        answeredWithinSl: event.waitMs <= settings.slThresholdMs ? 1 : 0,
        maxWaitMs: event.waitMs,
      };
    case 'call.abandoned':
      return {
        abandoned: 1,
        waitMsAbandoned: event.waitMs,
        abandonedShort: event.waitMs < settings.shortAbandonMs ? 1 : 0,
        abandonedWithinSl: event.waitMs <= settings.slThresholdMs ? 1 : 0,
        maxWaitMs: event.waitMs,
      };
    case 'call.flowed_out':
      return { flowedOut: 1, maxWaitMs: event.waitMs };
    case 'call.completed':
      return {
        completed: 1,
        talkMs: event.talkMs,
        holdMs: event.holdMs,
        wrapMs: event.wrapMs,
        transferred: event.transferred ? 1 : 0,
        resolvedKnown: event.resolved === undefined ? 0 : 1,
        resolved: event.resolved === true ? 1 : 0,
      };
  }
}
