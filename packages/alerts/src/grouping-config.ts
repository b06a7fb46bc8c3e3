import { z } from 'zod';

/** Fields a notification group can be keyed by. */
export const GROUP_BY_FIELDS = ['tenantId', 'queueId', 'ruleId', 'kind', 'severity'] as const;

/** One grouping field. */
export type GroupByField = (typeof GROUP_BY_FIELDS)[number];

const durationMs = z.number().int('must be whole milliseconds').nonnegative('must not be negative');

/**
 * How notifications are batched (the rules file's `groups`), after Alertmanager's route options.
 * The defaults turn "30 queues of one tenant breach at once" into one message per rule, not 30 pages.
 */
export const groupingConfigSchema = z
  .object({
    /** A batch holds notifications that agree on these fields (and on the route). */
    groupBy: z.array(z.enum(GROUP_BY_FIELDS)).default(['tenantId', 'ruleId', 'kind']),
    /** How long a new group waits for more notifications before its first message. */
    groupWaitMs: durationMs.default(10_000),
    /** How long a group that has sent waits before sending what arrived since. */
    groupIntervalMs: durationMs.default(30_000),
    /** How often a group re-sends the alerts still firing although nothing changed. */
    repeatIntervalMs: durationMs.default(4 * 3600_000),
  })
  .strict();

/** Grouping settings with their defaults applied. */
export type GroupingConfig = z.output<typeof groupingConfigSchema>;

/** The defaults, for callers without a rules file (tests, the CLI). */
export const DEFAULT_GROUPING: Readonly<GroupingConfig> = Object.freeze(groupingConfigSchema.parse({}));
