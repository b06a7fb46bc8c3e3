import { createHmac } from 'node:crypto';
import { z } from 'zod';

const DAY_MS = 24 * 3600 * 1000;
const probability = z.number().min(0, 'must be a probability in [0, 1]').max(1, 'must be a probability in [0, 1]');
const lognormal = z.object({ medianMs: z.number().positive().max(30 * DAY_MS), sigma: z.number().min(0).max(3) }).strict();
const range = z
  .object({ minMs: z.number().int().nonnegative().max(600_000), maxMs: z.number().int().nonnegative().max(600_000) })
  .strict()
  .refine((r) => r.minMs <= r.maxMs, { message: 'minMs must not exceed maxMs', path: ['maxMs'] });
const bySeverity = z
  .object({ urgent: z.number().int().min(60_000).max(90 * DAY_MS), normal: z.number().int().min(60_000).max(90 * DAY_MS) })
  .strict();

/**
 * Outbound campaigns (a queue with `direction: outbound`): each arrival is a dial attempt. It fails
 * (`call.flowed_out` with the outbound reason and the ring time as `waitMs`) or the callee picks up;
 * then the longest-idle agent of the campaign takes it at once (`call.answered`, `waitMs` = ring
 * time), or, with no agent free or now and then anyway, the predictive dialer drops it
 * (`call.abandoned`). A connected call ends with `call.completed` carrying `success`.
 */
const outboundSchema = z
  .object({
    noAnswerProbability: probability.default(0.28),
    busyProbability: probability.default(0.1),
    invalidNumberProbability: probability.default(0.05),
    rejectedProbability: probability.default(0.06),
    /** A connected callee the dialer drops although an agent is free (pacing too aggressive). */
    dialerAbandonProbability: probability.default(0.03),
    /** Of the completed connected calls, how many reach the campaign's goal (`success: true`). */
    successProbability: probability.default(0.4),
    /** Ring time of a connected call, a rejected one and a busy / invalid number. */
    connectRingMs: range.default({ minMs: 3_000, maxMs: 25_000 }),
    noAnswerRingMs: range.default({ minMs: 30_000, maxMs: 45_000 }),
    shortRingMs: range.default({ minMs: 500, maxMs: 4_000 }),
  })
  .strict()
  .refine((o) => o.noAnswerProbability + o.busyProbability + o.invalidNumberProbability + o.rejectedProbability <= 1, {
    message: 'the failure probabilities must not add up to more than 1',
  });

/** chat, email and sms answers carry `firstResponseMs`: the wait plus the agent's first reply. */
const chatSchema = z
  .object({
    channels: z.array(z.enum(['chat', 'email', 'sms', 'video', 'callback', 'voice'])).min(1).default(['chat', 'email', 'sms']),
    firstReply: lognormal.default({ medianMs: 15_000, sigma: 0.8 }),
  })
  .strict();

/** Complaints from a small share of inbound contacts (more after a long wait). */
const complaintsSchema = z
  .object({
    /** Per concluded inbound contact (answered and completed, abandoned, or timed out). */
    probability: probability.default(0.002),
    /** Multiplies `probability` after a wait longer than `longWaitMs`. */
    longWaitFactor: z.number().min(1).max(100).default(6),
    urgentProbability: probability.default(0.2),
    /** Filed without `queueId`: counts at tenant level. */
    withoutQueueProbability: probability.default(0.15),
    /** Filed with an explicit `responseDueAt`; the others take the tenant default. */
    dueGivenProbability: probability.default(0.5),
    /** The response time the simulator plans with; give the tenant the same `complaintResponseMs`. */
    responseMs: bySeverity.default({ urgent: 2 * 3600_000, normal: 8 * 3600_000 }),
    /** Responded after the due time. */
    lateProbability: probability.default(0.12),
    /** Never responded to (stays open and, once due, overdue). */
    unansweredProbability: probability.default(0.03),
    /** Delay from the contact's end to the filing. */
    filingDelay: lognormal.default({ medianMs: 20 * 60_000, sigma: 0.8 }),
    /** How far past the due time a late response comes. */
    lateBy: lognormal.default({ medianMs: 30 * 60_000, sigma: 0.8 }),
    /** Delay from the response to the closing. */
    resolutionDelay: lognormal.default({ medianMs: 2 * 3600_000, sigma: 0.7 }),
    /** Weights of the closing outcomes. */
    outcomes: z
      .object({ resolved: z.number().min(0).default(0.85), rejected: z.number().min(0).default(0.08), withdrawn: z.number().min(0).default(0.07) })
      .strict()
      .default({})
      .refine((o) => o.resolved + o.rejected + o.withdrawn > 0, { message: 'at least one outcome needs a weight' }),
    categories: z.array(z.string().min(1).max(64)).min(1).max(64).default(['billing', 'network', 'service_attitude', 'product', 'other']),
  })
  .strict();

/** Post-contact surveys after a share of completed inbound contacts, worse after long waits. */
const surveysSchema = z
  .object({
    probability: probability.default(0.2),
    csatProbability: probability.default(0.9),
    npsProbability: probability.default(0.6),
    resolvedProbability: probability.default(0.5),
    delay: lognormal.default({ medianMs: 5 * 60_000, sigma: 0.8 }),
  })
  .strict();

/**
 * Repeat callers: after an inbound contact the same caller (same `callerKey`) contacts the tenant
 * again with these probabilities, `delay` later, mostly in the same queue.
 */
const repeatCallersSchema = z
  .object({
    afterResolvedProbability: probability.default(0.04),
    afterUnresolvedProbability: probability.default(0.45),
    afterAbandonProbability: probability.default(0.5),
    /** Added to the probability after a wait longer than `longWaitMs`. */
    longWaitBonus: probability.default(0.08),
    /** The repeat goes to another inbound queue of the tenant. */
    otherQueueProbability: probability.default(0.2),
    delay: lognormal.default({ medianMs: 3 * 3600_000, sigma: 1 }),
    /**
     * The per-tenant secret is `<secretPrefix>/<tenantId>`. A real adapter takes its secret from the
     * environment (DESIGN §2); simulated numbers are not anybody's, so a fixed one keeps runs replayable.
     */
    secretPrefix: z.string().min(1).max(256).default('callboard-simulator'),
  })
  .strict();

/**
 * The wave 2 traffic (issue 11 item 6). Absent: the simulator sends contract v1 traffic only, as
 * before. Present: callerKeys become HMAC-SHA-256 hashes of synthetic numbers, and each part given
 * (or defaulted) here is on. A part set to `false` is off.
 */
export const wave2Schema = z
  .object({
    /** A wait above this is "long" for complaints, surveys and repeats. */
    longWaitMs: z.number().int().positive().max(DAY_MS).default(120_000),
    outbound: z.union([z.literal(false), outboundSchema]).default({}),
    chat: z.union([z.literal(false), chatSchema]).default({}),
    complaints: z.union([z.literal(false), complaintsSchema]).default({}),
    surveys: z.union([z.literal(false), surveysSchema]).default({}),
    repeatCallers: z.union([z.literal(false), repeatCallersSchema]).default({}),
  })
  .strict();

export type Wave2Config = z.output<typeof wave2Schema>;
export type Wave2ConfigInput = z.input<typeof wave2Schema>;
export type OutboundConfig = z.output<typeof outboundSchema>;
export type ComplaintsConfig = z.output<typeof complaintsSchema>;
export type SurveysConfig = z.output<typeof surveysSchema>;

/** A synthetic mainland mobile number for caller `n` of the population: never logged, only hashed. */
function syntheticNumber(n: number): string {
  return `+86138${String(n).padStart(8, '0')}`;
}

/**
 * The callerKey of caller `n` of a tenant: HMAC-SHA-256 of a synthetic number with the tenant's
 * secret, hex (DESIGN §2). Stable across runs, so a caller is the same key on every contact.
 */
export function simulatedCallerKey(secret: string, n: number): string {
  return createHmac('sha256', secret).update(syntheticNumber(n)).digest('hex');
}

/**
 * Survey answers of a contact: satisfaction centred near 4.3 after a short wait and a resolved
 * contact, lower after a long wait or an unresolved one.
 *
 * @param deviate - a standard normal draw.
 */
export function surveyScores(longWait: boolean, resolved: boolean, deviate: number): { csat: number; nps: number } {
  const mean = 4.3 - (longWait ? 1.2 : 0) - (resolved ? 0 : 0.9);
  const csat = Math.min(5, Math.max(1, Math.round(mean + 0.8 * deviate)));
  const nps = Math.min(10, Math.max(0, Math.round((mean - 1) * 2.6 + 1.6 * deviate)));
  return { csat, nps };
}
