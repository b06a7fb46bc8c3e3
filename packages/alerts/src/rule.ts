import { z } from 'zod';
import { REMINDER_KIND, type ReminderRule, type ReminderRuleInput, reminderRuleSchema } from './reminder-rule.js';
import { groupingConfigSchema } from './grouping-config.js';
import { ALERT_WINDOWS, isMetricName, METRICS, metricInfo } from './metrics.js';
import { COMPARATORS, firesLow, type Threshold } from './threshold.js';

/** DESIGN §2 identifiers: they end up in Redis keys and in fingerprints (joined with `|`). */
const IDENTIFIER = /^[A-Za-z0-9_.-]{1,64}$/;
const identifier = z.string().regex(IDENTIFIER, 'must match [A-Za-z0-9_.-]{1,64}');
const glob = z.string().regex(/^[A-Za-z0-9_.*?-]{1,64}$/, 'must be an id or a glob of [A-Za-z0-9_.-] with * and ?');
const durationMs = z.number().int('must be whole milliseconds').nonnegative('must not be negative');

/** Alert severities, least urgent first. */
export const SEVERITIES = ['warning', 'critical'] as const;

/** One severity. */
export type Severity = (typeof SEVERITIES)[number];

const metric = z.string().refine(isMetricName, (name) => ({ message: `unknown metric ${JSON.stringify(name)}; expected one of ${METRICS.join(', ')}` }));

const threshold: z.ZodType<Threshold> = z.union([z.number().finite(), z.object({ ofTarget: z.number().finite().positive('ofTarget must be > 0') }).strict()], {
  errorMap: () => ({ message: 'must be a number or { "ofTarget": n }' }),
});

/** A notification destination. Only webhooks for now; the union leaves room for more types. */
export const routeSchema = z
  .object({
    type: z.literal('webhook'),
    url: z
      .string()
      .url()
      .refine((u) => /^https?:/.test(u), 'must be an http or https URL'),
    headers: z.record(z.string()).optional(),
  })
  .strict();

/** One notification route. */
export type Route = z.output<typeof routeSchema>;

const ruleObject = z
  .object({
    /** Stable id: part of every fingerprint, so renaming it starts new alerts. */
    id: identifier,
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    scope: z.object({ tenant: glob.default('*'), queue: glob.default('*') }).strict().default({}),
    /**
     * `queue` (default): the rule reads each queue's snapshot, one alert per queue. `tenant`: it reads
     * the tenant-total snapshot (`queueId: null`, sums over the tenant's queues plus queue-less
     * complaints), one alert per tenant, filed under queue `*`.
     */
    level: z.enum(['queue', 'tenant']).default('queue'),
    metric,
    window: z.enum(ALERT_WINDOWS).default('rolling-15m'),
    comparator: z.enum(COMPARATORS),
    fire: threshold,
    /** Omitted = same as fire: no hysteresis band. */
    clear: threshold.optional(),
    forMs: durationMs.default(0),
    keepFiringForMs: durationMs.default(0),
    minVolume: z.number().nonnegative('must not be negative').default(0),
    severity: z.enum(SEVERITIES),
    labels: z.record(z.string()).default({}),
    routes: z.array(identifier).default([]),
    escalateAfterMs: z.number().int('must be whole milliseconds').positive('must be > 0').optional(),
    /** Where an escalation goes (e.g. the on-call manager); omitted = the rule's `routes`. */
    escalationRoutes: z.array(identifier).min(1, 'must name at least one route').optional(),
  })
  .strict();

function thresholdNumber(t: Threshold): number {
  return typeof t === 'number' ? t : t.ofTarget;
}

function describeThreshold(t: Threshold): string {
  return typeof t === 'number' ? String(t) : `{ ofTarget: ${t.ofTarget} }`;
}

/**
 * One alert rule, validated. Checks beyond the field types, each refused with the field's path:
 * a threshold outside the metric's range (a rate is a fraction: 80 % is 0.8) or one that can never be
 * met, `ofTarget` on a metric that is not a service level, fire and clear of different forms, clear on
 * the wrong side of fire (`<` rules clear at or above fire, `>` rules at or below), and escalation on
 * a rule that is not critical.
 */
export const ruleSchema = ruleObject
  .superRefine((rule, ctx) => {
    if (!isMetricName(rule.metric)) return;
    const info = metricInfo(rule.metric);
    const issue = (path: string, message: string): void => ctx.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    for (const field of ['fire', 'clear'] as const) {
      const t = rule[field];
      if (t === undefined) continue;
      if (typeof t === 'object') {
        if (!info.ofTarget) issue(field, `{ ofTarget } is only for service-level metrics (sl.*, planning.projectedSl), not ${rule.metric}`);
      } else if (t < info.min || t > info.max) {
        const hint = info.unit === 'ratio' || info.unit === 'flag' ? ' (a fraction: 80 % is 0.8)' : '';
        issue(field, `${t} is impossible for ${rule.metric}, whose values lie in [${info.min}, ${info.max}]${hint}`);
      }
    }
    // Only for a fire threshold inside the range; one outside it was reported above.
    const fire = rule.fire;
    if (typeof fire === 'number' && fire >= info.min && fire <= info.max && ((rule.comparator === '<' && fire === info.min) || (rule.comparator === '>' && fire === info.max))) {
      issue('fire', `${rule.metric} ${rule.comparator} ${rule.fire} can never be true`);
    }
    if (rule.clear !== undefined) {
      if (typeof rule.clear !== typeof rule.fire) {
        issue('clear', `must have the same form as fire (${describeThreshold(rule.fire)}): both numbers or both { ofTarget }`);
      } else {
        const fire = thresholdNumber(rule.fire);
        const clear = thresholdNumber(rule.clear);
        if (firesLow(rule.comparator) && clear < fire) {
          issue('clear', `clear ${describeThreshold(rule.clear)} is on the wrong side of fire ${describeThreshold(rule.fire)}: a '${rule.comparator}' rule clears at or above its fire threshold`);
        } else if (!firesLow(rule.comparator) && clear > fire) {
          issue('clear', `clear ${describeThreshold(rule.clear)} is on the wrong side of fire ${describeThreshold(rule.fire)}: a '${rule.comparator}' rule clears at or below its fire threshold`);
        }
      }
    }
    if (rule.level === 'tenant') {
      if (rule.scope.queue !== '*') issue('scope', 'a rule with "level": "tenant" reads the tenant-total snapshot, which has no queue: scope.queue must be "*"');
      if (info.source === 'source' || info.source === 'planning') issue('level', `${rule.metric} is read per ${info.source === 'source' ? 'source' : 'queue'}, not on the tenant total`);
    }
    if (info.source === 'source' && rule.scope.queue !== '*') {
      issue('scope', `${rule.metric} watches every source of its tenants, one alert per source: scope.queue must be "*"`);
    }
    if (rule.escalateAfterMs !== undefined && rule.severity !== 'critical') {
      issue('escalateAfterMs', 'only critical rules escalate');
    }
    if (rule.escalationRoutes !== undefined && rule.escalateAfterMs === undefined) {
      issue('escalationRoutes', 'needs escalateAfterMs: a rule without it never escalates');
    }
  })
  .transform((rule) => ({ ...rule, clear: rule.clear ?? rule.fire }));

/** A validated rule with defaults applied; `clear` is always set. */
export type Rule = z.output<typeof ruleSchema>;

/**
 * One entry of a rules file's `rules`: a complaint reminder rule when its `kind` is
 * `"complaint-reminder"`, else a metric rule. Dispatching on `kind` (rather than a zod union) keeps
 * each kind's errors as precise as they are alone: `rules[2].clear: …`, not "invalid input".
 */
const ruleEntrySchema = z.unknown().transform((input, ctx): Rule | ReminderRule => {
  const reminder = typeof input === 'object' && input !== null && (input as { kind?: unknown }).kind === REMINDER_KIND;
  const kind = typeof input === 'object' && input !== null ? (input as { kind?: unknown }).kind : undefined;
  if (!reminder && kind !== undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, fatal: true, path: ['kind'], message: `unknown rule kind ${JSON.stringify(kind)}; expected "${REMINDER_KIND}" or no kind (a metric rule)` });
    return z.NEVER;
  }
  const parsed = reminder ? reminderRuleSchema.safeParse(input) : ruleSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) ctx.addIssue({ code: z.ZodIssueCode.custom, fatal: true, message: issue.message, path: issue.path });
    return z.NEVER;
  }
  return parsed.data;
}) as unknown as z.ZodType<Rule | ReminderRule, z.ZodTypeDef, z.input<typeof ruleSchema> | ReminderRuleInput>;

function isReminderRule(rule: Rule | ReminderRule): rule is ReminderRule {
  return (rule as ReminderRule).kind === REMINDER_KIND;
}

/**
 * A rules file: `{ version: 1, groups?, routes, rules }`. Cross-rule checks: rule ids are unique
 * (they are part of the fingerprint) and every route a rule names exists. The parsed file holds the
 * metric rules in `rules` and the complaint reminder rules (`kind: "complaint-reminder"`) in
 * `reminders`, each in file order.
 */
export const rulesFileSchema = z
  .object({
    version: z.literal(1),
    description: z.string().optional(),
    groups: groupingConfigSchema.default({}),
    routes: z.record(identifier, routeSchema).default({}),
    rules: z.array(ruleEntrySchema),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Map<string, number>();
    file.rules.forEach((rule, i) => {
      if (typeof rule !== 'object' || rule === null) return; // refused above
      const first = seen.get(rule.id);
      if (first !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['rules', i, 'id'], message: `duplicate rule id ${JSON.stringify(rule.id)} (also rules[${first}])` });
      else seen.set(rule.id, i);
      for (const field of ['routes', 'escalationRoutes'] as const) {
        const named = field === 'routes' ? rule.routes : isReminderRule(rule) ? [] : (rule.escalationRoutes ?? []);
        named.forEach((route, j) => {
          if (!Object.hasOwn(file.routes, route)) {
            const known = Object.keys(file.routes);
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              path: ['rules', i, field, j],
              message: `unknown route ${JSON.stringify(route)}; routes defined: ${known.length > 0 ? known.join(', ') : '(none)'}`,
            });
          }
        });
      }
    });
  })
  .transform(({ rules, ...file }) => ({ ...file, rules: rules.filter((r): r is Rule => !isReminderRule(r)), reminders: rules.filter(isReminderRule) }));

/** A validated rules file with defaults applied: metric rules in `rules`, reminder rules in `reminders`. */
export type RulesFile = z.output<typeof rulesFileSchema>;

/** What a rules file looks like before defaults: the shape to write by hand. */
export type RulesFileInput = z.input<typeof rulesFileSchema>;
