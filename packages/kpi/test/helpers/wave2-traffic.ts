import type { CanonicalEvent } from '@callboard/events';
import { abandoned, answered, completed, offered } from './events.js';
import { randomInt } from './prng.js';
import { chatAnswered, closed, failed, filed, offeredBy, outboundCompleted, outboundOffered, responded, survey } from './wave2-events.js';

const H = 3_600_000;

/**
 * Random wave 2 traffic over `hours` hours for tenants t1 and t2: inbound calls and chats (some
 * with callerKeys from a small pool, so repeats happen), outbound attempts whose offer is sometimes
 * stamped after the outcome, surveys (some surveyIds reused under new eventIds), complaints with and
 * without a queue (responses, closings, second filings), and a few conflicting outcomes.
 */
export function wave2Traffic(random: () => number, visits: number, hours = 72): CanonicalEvent[] {
  const events: CanonicalEvent[] = [];
  const span = hours * H;
  const pick = <T>(items: readonly T[]): T => items[randomInt(random, 0, items.length - 1)]!;
  const queues = ['q1', 'q2', 'chat', 'camp'];
  for (let v = 0; v < visits; v += 1) {
    const tenantId = random() < 0.8 ? 't1' : 't2';
    const queueId = pick(queues);
    const c = { tenantId, queueId };
    const callId = `c${v}`;
    const t = randomInt(random, 0, span);
    const wait = randomInt(random, 0, 60_000);
    if (queueId === 'camp' || random() < 0.05) {
      const offer = outboundOffered(callId, random() < 0.3 ? t + wait + 1000 : t, c);
      if (random() < 0.9) events.push(offer);
      const r = random();
      if (r < 0.5) {
        events.push(answered(callId, t + wait, wait, c));
        if (random() < 0.8) events.push(outboundCompleted(callId, t + wait + 60_000, 60_000, random() < 0.5 ? random() < 0.6 : undefined, c));
      } else if (r < 0.9) events.push(failed(callId, t + wait, wait, pick(['no_answer', 'busy', 'invalid_number', 'rejected', 'other', 'timeout'] as const), c));
      else if (r < 0.95) events.push(abandoned(callId, t + wait, wait, c));
      continue;
    }
    const callerKey = random() < 0.7 ? `k${randomInt(random, 0, Math.max(3, Math.floor(visits / 6)))}` : undefined;
    if (random() < 0.95) events.push(callerKey === undefined ? offered(callId, t, c) : offeredBy(callId, t, callerKey, c));
    const r = random();
    if (r < 0.7) {
      events.push(queueId === 'chat' ? chatAnswered(callId, t + wait, wait, randomInt(random, 0, 90_000), c) : answered(callId, t + wait, wait, c));
      if (random() < 0.8) events.push(completed(callId, t + wait + 100_000, { talkMs: 90_000, holdMs: 0, wrapMs: 10_000, resolved: random() < 0.7 }, c));
      if (random() < 0.03) events.push(abandoned(callId, t + wait, wait, c)); // a conflict: one is an anomaly
    } else if (r < 0.9) events.push(abandoned(callId, t + wait, wait, c));
    if (random() < 0.15) {
      const surveyId = `s${v}`;
      events.push(survey(surveyId, t + 300_000, { csat: randomInt(random, 1, 5), ...(random() < 0.7 ? { nps: randomInt(random, 0, 10) } : {}), ...(random() < 0.5 ? { resolved: random() < 0.6 } : {}) }, c));
      if (random() < 0.2) events.push(survey(surveyId, t + 300_000 + randomInt(random, -1000, 1000), { csat: randomInt(random, 1, 5) }, c));
    }
    if (random() < 0.08) {
      const complaintId = `k${v}`;
      const withQueue = random() < 0.7;
      const filedAt = t + 600_000;
      const severity = random() < 0.3 ? 'urgent' : 'normal';
      const responseDueAt = random() < 0.3 ? new Date(filedAt + randomInt(random, 1, 8) * H).toISOString().replace('Z', '+00:00') : undefined;
      events.push(filed(complaintId, filedAt, { tenantId, severity, callId, ...(withQueue ? { queueId } : {}), ...(responseDueAt === undefined ? {} : { responseDueAt }) }));
      if (random() < 0.1) events.push(filed(complaintId, filedAt + 1000, { tenantId, queueId: 'q2' }));
      if (random() < 0.7) events.push(responded(complaintId, filedAt + randomInt(random, 0, 30 * H), { tenantId }));
      if (random() < 0.2) events.push(responded(complaintId, filedAt + randomInt(random, 0, 30 * H), { tenantId }));
      if (random() < 0.5) events.push(closed(complaintId, filedAt + randomInt(random, 0, 40 * H), pick(['resolved', 'rejected', 'withdrawn'] as const), { tenantId }));
    }
  }
  if (random() < 0.5) events.push(responded('orphan', randomInt(random, 0, span)));
  return events;
}
