import { globMatch } from './glob.js';
import type { Rule } from './rule.js';

/**
 * Whether a rule's scope selects a snapshot: a queue's (`queueId` a string) for a rule of level
 * `queue`, the tenant total (`queueId` null) for a rule of level `tenant`. So `scope.queue: "*"` never
 * matches the tenant total as one more queue, and a tenant-level rule fires once per tenant.
 */
export function ruleAppliesTo(rule: Pick<Rule, 'scope'> & Partial<Pick<Rule, 'level'>>, tenantId: string, queueId: string | null): boolean {
  if (!globMatch(rule.scope.tenant, tenantId)) return false;
  if (queueId === null) return rule.level === 'tenant';
  return rule.level !== 'tenant' && globMatch(rule.scope.queue, queueId);
}

/** The rules that watch one queue (or, for `queueId` null, the tenant total), in file order. */
export function rulesForQueue<R extends Pick<Rule, 'scope'> & Partial<Pick<Rule, 'level'>>>(rules: readonly R[], tenantId: string, queueId: string | null): R[] {
  return rules.filter((rule) => ruleAppliesTo(rule, tenantId, queueId));
}
