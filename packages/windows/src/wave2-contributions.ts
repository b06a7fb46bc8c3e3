import type { CallEvent, SurveyCompleted } from '@callboard/events';
import * as kpi from '@callboard/kpi';
import type { KpiCounts } from '@callboard/kpi';

/*
 * The outbound and survey contributions are helper K's (packages/kpi, issue 11). Until they land
 * on main the store uses these stand-ins, written from decision 0010 §2-§3; once `@callboard/kpi`
 * exports them, its functions are used and this module is to be removed.
 */
const provided = kpi as unknown as {
  outboundContribution?: (event: CallEvent) => Partial<KpiCounts>;
  surveyContribution?: (event: SurveyCompleted) => Partial<KpiCounts>;
};

const FAILED: Record<string, keyof KpiCounts> = {
  no_answer: 'outboundFailedNoAnswer',
  busy: 'outboundFailedBusy',
  invalid_number: 'outboundFailedInvalidNumber',
  rejected: 'outboundFailedRejected',
};

function outboundStandIn(event: CallEvent): Partial<KpiCounts> {
  switch (event.type) {
    case 'call.offered':
      return { outboundAttempts: 1 };
    case 'call.answered':
      return { outboundConnected: 1, outboundRingMs: event.waitMs, maxWaitMs: event.waitMs };
    case 'call.abandoned':
      return { outboundAbandoned: 1, maxWaitMs: event.waitMs };
    case 'call.flowed_out':
      return { [FAILED[event.reason] ?? 'outboundFailedOther']: 1, maxWaitMs: event.waitMs };
    case 'call.completed':
      return { outboundCompleted: 1, outboundSucceeded: event.success === true ? 1 : 0, outboundTalkMs: event.talkMs };
  }
}

function surveyStandIn(event: SurveyCompleted): Partial<KpiCounts> {
  const d: Partial<KpiCounts> = { surveys: 1 };
  if (event.csat !== undefined) Object.assign(d, { csatResponses: 1, csatSum: event.csat, csatSatisfied: event.csat >= 4 ? 1 : 0 });
  if (event.nps !== undefined) Object.assign(d, { npsResponses: 1, npsPromoters: event.nps >= 9 ? 1 : 0, npsDetractors: event.nps <= 6 ? 1 : 0 });
  if (event.resolved !== undefined) Object.assign(d, { surveyResolvedKnown: 1, surveyResolved: event.resolved ? 1 : 0 });
  return d;
}

export const outboundContribution = provided.outboundContribution ?? outboundStandIn;
export const surveyContribution = provided.surveyContribution ?? surveyStandIn;
