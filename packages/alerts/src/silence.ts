import { z } from 'zod';
import { globMatch } from './glob.js';
import type { Rule } from './rule.js';
import type { AlertState } from './state-machine.js';

const glob = z.string().regex(/^[A-Za-z0-9_.*?-]{1,64}$/, 'must be an id or a glob of [A-Za-z0-9_.-] with * and ?');

/**
 * A silence (DESIGN §6 "Lifecycle"): for its lifetime, matching alerts send no notifications but
 * still change state and stay visible on the wallboard. Expiry is mandatory so that a forgotten
 * silence cannot mute a queue for ever.
 */
export const silenceSchema = z
  .object({
    id: z.string().min(1).max(128),
    tenant: glob,
    queue: glob.default('*'),
    /** Glob on rule ids; omitted = every rule. */
    ruleId: glob.optional(),
    /** Every entry must match the rule's labels (values are globs); `severity` matches the rule's severity. */
    labels: z.record(z.string()).optional(),
    reason: z.string().min(1).max(500),
    createdBy: z.string().min(1).max(128),
    createdAt: z.number().int().nonnegative(),
    expiresAt: z.number().int().nonnegative(),
  })
  .strict()
  .refine((s) => s.expiresAt > s.createdAt, { path: ['expiresAt'], message: 'must be after createdAt' });

/** A validated silence. */
export type Silence = z.output<typeof silenceSchema>;

/** Whether one silence covers the alert at `at`: active (`createdAt ≤ at < expiresAt`) and matching. */
export function silenceMatches(silence: Silence, alert: Pick<AlertState, 'tenantId' | 'queueId' | 'ruleId'>, rule: Pick<Rule, 'labels' | 'severity'>, at: number): boolean {
  if (at < silence.createdAt || at >= silence.expiresAt) return false;
  if (!globMatch(silence.tenant, alert.tenantId) || !globMatch(silence.queue, alert.queueId)) return false;
  if (silence.ruleId !== undefined && !globMatch(silence.ruleId, alert.ruleId)) return false;
  const labels: Record<string, string> = { ...rule.labels, severity: rule.severity };
  return Object.entries(silence.labels ?? {}).every(([name, pattern]) => {
    const value = labels[name];
    return value !== undefined && globMatch(pattern, value);
  });
}

/** The first silence covering the alert at `at`, if any; its id goes in logs and on the wallboard. */
export function activeSilence(alert: Pick<AlertState, 'tenantId' | 'queueId' | 'ruleId'>, rule: Pick<Rule, 'labels' | 'severity'>, silences: readonly Silence[], at: number): Silence | undefined {
  return silences.find((s) => silenceMatches(s, alert, rule, at));
}

/**
 * Whether notifications about the alert are suppressed at `at`. Only notifications: the state
 * machine runs as usual, so the wallboard still shows the alert firing.
 */
export function isSilenced(alert: Pick<AlertState, 'tenantId' | 'queueId' | 'ruleId'>, rule: Pick<Rule, 'labels' | 'severity'>, silences: readonly Silence[], at: number): boolean {
  return activeSilence(alert, rule, silences, at) !== undefined;
}
