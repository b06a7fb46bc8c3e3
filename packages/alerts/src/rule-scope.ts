import { globMatch } from './glob.js';
import type { Rule } from './rule.js';

/** Whether a rule's scope selects the queue. */
export function ruleAppliesTo(rule: Pick<Rule, 'scope'>, tenantId: string, queueId: string): boolean {
  return globMatch(rule.scope.tenant, tenantId) && globMatch(rule.scope.queue, queueId);
}

/** The rules that watch one queue, in file order. */
export function rulesForQueue<R extends Pick<Rule, 'scope'>>(rules: readonly R[], tenantId: string, queueId: string): R[] {
  return rules.filter((rule) => ruleAppliesTo(rule, tenantId, queueId));
}
