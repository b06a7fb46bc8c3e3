import type { CallEvent, SurveyCompleted } from '@callboard/events';
import type { KpiCounts } from './counts.js';
import type { QueueKpiSettings } from './queue-settings.js';

/**
 * What one applied call event of an INBOUND visit adds to its queue's counters (DESIGN §3).
 *
 * Only call this for an event the visit state machine applied (see `applyToVisit`);
 * duplicates and anomalies contribute nothing. The result goes to the bucket that
 * holds the event's own `occurredAt`. Thresholds: within SL is `waitMs <= T`
 * (inclusive), short abandon is `waitMs < shortAbandonMs` (strict), within the
 * first-response target is `firstResponseMs <= firstResponseTargetMs` (inclusive).
 *
 * An outcome's `maxWaitMs` stays in this list as before issue 11: the live store takes the max from
 * it for every distinct outcome, whatever the visit's direction (decision 0010 §2, "Deviation").
 *
 * @param event - an applied call event of an inbound visit
 * @param settings - the queue's thresholds
 * @returns only the counters this event changes; merge with `addCounts`
 */
export function contribution(event: CallEvent, settings: QueueKpiSettings): Partial<KpiCounts> {
  switch (event.type) {
    case 'call.offered':
      return { offered: 1 };
    case 'call.answered': {
      const c: Partial<KpiCounts> = {
        answered: 1,
        waitMsAnswered: event.waitMs,
        answeredWithinSl: event.waitMs <= settings.slThresholdMs ? 1 : 0,
        maxWaitMs: event.waitMs,
      };
      if (event.firstResponseMs !== undefined) {
        c.firstResponses = 1;
        c.firstResponseMs = event.firstResponseMs;
        c.firstResponsesWithinTarget = event.firstResponseMs <= settings.firstResponseTargetMs ? 1 : 0;
      }
      return c;
    }
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

/** The failure counter of each outbound `call.flowed_out` reason; any other (inbound-only) reason is `outboundFailedOther`. */
const OUTBOUND_FAILED_FIELD: Readonly<Record<string, keyof KpiCounts>> = Object.freeze({
  no_answer: 'outboundFailedNoAnswer',
  busy: 'outboundFailedBusy',
  invalid_number: 'outboundFailedInvalidNumber',
  rejected: 'outboundFailedRejected',
});

/**
 * What one applied call event of an OUTBOUND visit adds to its queue's counters (decision 0010 §2):
 * the `outbound*` counters only, never the inbound ones.
 *
 * No `maxWaitMs` here: the max is taken from every distinct outcome, of either direction, apart
 * from the contributions (decision 0010 §2, "Deviation"), and a max cannot be moved between lists.
 *
 * @param event - an applied call event of a visit whose applied offer says `direction: outbound`
 * @returns only the counters this event changes; merge with `addCounts`
 */
export function outboundContribution(event: CallEvent): Partial<KpiCounts> {
  switch (event.type) {
    case 'call.offered':
      return { outboundAttempts: 1 };
    case 'call.answered':
      return { outboundConnected: 1, outboundRingMs: event.waitMs };
    case 'call.abandoned':
      return { outboundAbandoned: 1 };
    case 'call.flowed_out':
      return { [OUTBOUND_FAILED_FIELD[event.reason] ?? 'outboundFailedOther']: 1 };
    case 'call.completed':
      return { outboundCompleted: 1, outboundSucceeded: event.success === true ? 1 : 0, outboundTalkMs: event.talkMs };
  }
}

/**
 * What one applied survey adds to its queue's counters (decision 0010 §3), at the survey's own
 * `occurredAt`. csat 4–5 is satisfied; nps 9–10 a promoter, 0–6 a detractor. A survey with only
 * some answers counts only in those answers' counters (and `surveys`).
 *
 * @param event - the applied `survey.completed` of its (tenant, queue, surveyId)
 */
export function surveyContribution(event: SurveyCompleted): Partial<KpiCounts> {
  const c: Partial<KpiCounts> = { surveys: 1 };
  if (event.csat !== undefined) {
    c.csatResponses = 1;
    c.csatSum = event.csat;
    c.csatSatisfied = event.csat >= 4 ? 1 : 0;
  }
  if (event.nps !== undefined) {
    c.npsResponses = 1;
    c.npsPromoters = event.nps >= 9 ? 1 : 0;
    c.npsDetractors = event.nps <= 6 ? 1 : 0;
  }
  if (event.resolved !== undefined) {
    c.surveyResolvedKnown = 1;
    c.surveyResolved = event.resolved ? 1 : 0;
  }
  return c;
}
