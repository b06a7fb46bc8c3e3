import { z } from 'zod';
import { identifier } from '@callboard/events';
import { SL_FORMULAS } from '@callboard/kpi';

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Settings a queue may set, or inherit from its tenant's defaults. */
export const queueSettingsSchema = z
  .object({
    /** Service-level threshold T (DESIGN §3). */
    slThresholdMs: z.number().int().min(1000).max(3_600_000),
    shortAbandonMs: z.number().int().min(0).max(600_000),
    /** The SL formula the wallboard shows and alerts use. */
    primarySl: z.enum(SL_FORMULAS),
    /** The SL target as a fraction, e.g. 0.8 for 80/20. */
    slTarget: z.number().gt(0).max(1),
    /** Chat, email, sms: a first reply within this many ms is within target (首次响应时长). */
    firstResponseTargetMs: z.number().int().min(1000).max(86_400_000),
  })
  .strict();

/** Wave 2 settings of a whole tenant (issue 11, docs/decisions/0010-service-quality-kpis.md). */
export const tenantKpiSettingsSchema = z
  .object({
    /** Subscribers, for 投诉率/万 per 10 000 subscribers. */
    subscribers: z.number().int().min(1).max(10_000_000_000).optional(),
    /** A contact by the same callerKey within this many hours makes the first one a repeat. */
    repeatWindowHours: z.number().int().min(1).max(720).default(48),
    /** Response time of a complaint filed without `responseDueAt`, by severity. */
    complaintResponseMs: z
      .object({
        urgent: z.number().int().min(60_000).max(90 * 86_400_000).default(2 * 3600_000),
        normal: z.number().int().min(60_000).max(90 * 86_400_000).default(24 * 3600_000),
      })
      .strict()
      .default({}),
  })
  .strict();

export const tenantSchema = z
  .object({
    timeZone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone, e.g. Asia/Shanghai' }),
    dayStartHour: z.number().int().min(0).max(23).default(0),
    subscribers: tenantKpiSettingsSchema.shape.subscribers,
    repeatWindowHours: tenantKpiSettingsSchema.shape.repeatWindowHours,
    complaintResponseMs: tenantKpiSettingsSchema.shape.complaintResponseMs,
    defaults: queueSettingsSchema.partial().default({}),
    queues: z.record(identifier, queueSettingsSchema.partial()).default({}),
  })
  .strict();

export const queueConfigFileSchema = z
  .object({
    /** Applies to every tenant and queue not named below. */
    defaults: queueSettingsSchema.partial().default({}),
    defaultTimeZone: z.string().refine(isTimeZone, { message: 'must be an IANA time zone' }).default('UTC'),
    tenants: z.record(identifier, tenantSchema).default({}),
  })
  .strict();

export type QueueSettings = z.output<typeof queueSettingsSchema>;
export type QueueConfigFile = z.output<typeof queueConfigFileSchema>;

export const BUILT_IN_DEFAULTS: Readonly<QueueSettings> = Object.freeze({
  slThresholdMs: 20_000,
  shortAbandonMs: 5_000,
  primarySl: 'sl.negativeAbandon',
  slTarget: 0.8,
  firstResponseTargetMs: 30_000,
});
