import { z } from 'zod';

/**
 * The schema of a complaint reminder rule (issue 11 item 4); what the alerter does with one is in
 * complaint-reminder.ts.
 */

/** The rule kind that marks a reminder rule in a rules file's `rules`. */
export const REMINDER_KIND = 'complaint-reminder';

/** Complaint severities, as `@callboard/events`' COMPLAINT_SEVERITIES (a test keeps them equal). */
export const COMPLAINT_SEVERITIES = ['normal', 'urgent'] as const;

/** One complaint severity. */
export type ComplaintSeverity = (typeof COMPLAINT_SEVERITIES)[number];

/** The longest lead time a rule may give: 7 days (complaints are kept 8 days after their last event). */
export const MAX_LEAD_MS = 7 * 86_400_000;

const IDENTIFIER = /^[A-Za-z0-9_.-]{1,64}$/;
const identifier = z.string().regex(IDENTIFIER, 'must match [A-Za-z0-9_.-]{1,64}');
const glob = z.string().regex(/^[A-Za-z0-9_.*?-]{1,64}$/, 'must be an id or a glob of [A-Za-z0-9_.-] with * and ?');

const leadTime = z
  .number({ invalid_type_error: 'must be a number of milliseconds' })
  .int('must be whole milliseconds')
  .positive('must be > 0 (a reminder at the deadline is "atDue": true)')
  .max(MAX_LEAD_MS, `must be at most ${MAX_LEAD_MS} (7 days)`);

/**
 * A reminder rule. Besides the field types: at least one step (a lead time or `atDue`), no lead time
 * twice, no complaint severity twice.
 */
export const reminderRuleSchema = z
  .object({
    kind: z.literal(REMINDER_KIND),
    /** Stable id: part of every reminder's fingerprint. */
    id: identifier,
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    /** `queue` matches the complaint's queue; a queue-less complaint has queue "" (only `*` matches it). */
    scope: z.object({ tenant: glob.default('*'), queue: glob.default('*') }).strict().default({}),
    complaintSeverities: z
      .array(z.enum(COMPLAINT_SEVERITIES, { errorMap: () => ({ message: `unknown complaint severity; expected one of ${COMPLAINT_SEVERITIES.join(', ')}` }) }))
      .min(1, 'must name at least one complaint severity'),
    /** How long before the due time each reminder goes out, e.g. [1800000, 300000] = 30 and 5 minutes before. */
    leadTimesMs: z.array(leadTime).max(10, 'at most 10 lead times').default([]),
    /** Whether to remind when the due time passes without a response. */
    atDue: z.boolean().default(true),
    severity: z.enum(['warning', 'critical'], { errorMap: () => ({ message: 'unknown severity; expected one of warning, critical' }) }),
    labels: z.record(z.string()).default({}),
    routes: z.array(identifier).default([]),
  })
  .strict()
  .superRefine((rule, ctx) => {
    const issue = (path: (string | number)[], message: string): void => ctx.addIssue({ code: z.ZodIssueCode.custom, path, message });
    if (rule.leadTimesMs.length === 0 && !rule.atDue) issue(['leadTimesMs'], 'a reminder rule needs at least one step: a lead time, or "atDue": true');
    rule.leadTimesMs.forEach((ms, i) => {
      if (rule.leadTimesMs.indexOf(ms) !== i) issue(['leadTimesMs', i], `lead time ${ms} is given twice`);
    });
    rule.complaintSeverities.forEach((s, i) => {
      if (rule.complaintSeverities.indexOf(s) !== i) issue(['complaintSeverities', i], `${s} is given twice`);
    });
  });

/** A validated reminder rule with defaults applied. */
export type ReminderRule = z.output<typeof reminderRuleSchema>;

/** A reminder rule as written in a rules file. */
export type ReminderRuleInput = z.input<typeof reminderRuleSchema>;
