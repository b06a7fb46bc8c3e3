import { metricInfo } from './metrics.js';
import type { Rule } from './rule.js';
import { ruleAppliesTo } from './rule-scope.js';

/** Something odd about a rule that still loads: logged at start, never fatal. */
export interface RuleWarning {
  ruleId: string;
  /** E.g. `rules[3].scope`. */
  path: string;
  message: string;
}

/**
 * Warnings for rules that load but probably do not do what was meant. A selector that matches no
 * known queue is only a warning, not an error, because queues appear when their first call does
 * (issue #3: a new queue works without config), so the rule may well match tomorrow.
 *
 * Also warns when a rule on a window or planning metric has `minVolume: 0`: one abandoned call out
 * of one is a 100 % abandon rate, exactly the false fire `minVolume` exists to prevent.
 *
 * @param rules - validated rules, in file order (paths use their index)
 * @param knownQueues - the queues the queue settings file names, or that have sent events
 */
export function ruleWarnings(rules: readonly Rule[], knownQueues: readonly { tenantId: string; queueId: string }[]): RuleWarning[] {
  const warnings: RuleWarning[] = [];
  rules.forEach((rule, i) => {
    // A tenant-level rule matches a tenant that has any queue.
    if (!knownQueues.some((q) => ruleAppliesTo(rule, q.tenantId, rule.level === 'tenant' ? null : q.queueId))) {
      warnings.push({
        ruleId: rule.id,
        path: `rules[${i}].scope`,
        message: `selector tenant=${JSON.stringify(rule.scope.tenant)} queue=${JSON.stringify(rule.scope.queue)} matches none of the ${knownQueues.length} known queues`,
      });
    }
    const source = metricInfo(rule.metric).source;
    // Live and source readings are facts, not rates over a few calls.
    if (rule.minVolume === 0 && source !== 'live' && source !== 'source') {
      warnings.push({ ruleId: rule.id, path: `rules[${i}].minVolume`, message: `minVolume is 0 on ${rule.metric}: a single call can fire it` });
    }
  });
  return warnings;
}
