import { CallboardError } from '@callboard/errors';
import { IDENTIFIER_PATTERN } from '@callboard/events';

/** Every Redis key of the alerter (docs/alerts.md). */
export function alerterKeys(namespace: string) {
  const tenantTag = (tenantId: string): string => {
    if (!IDENTIFIER_PATTERN.test(tenantId)) throw new CallboardError('CB_KEY_INVALID', `tenantId ${JSON.stringify(tenantId)} would break the Redis key rules`);
    return `{${tenantId}}`;
  };
  return {
    alerts: (tenantId: string) => `${namespace}:alerts:${tenantTag(tenantId)}`,
    silences: (tenantId: string) => `${namespace}:silences:${tenantTag(tenantId)}`,
    audit: (tenantId: string) => `${namespace}:audit:${tenantTag(tenantId)}`,
    tenants: `${namespace}:alert-tenants`,
    // The dispatch side shares one hash tag, so each of its script calls touches one slot (DESIGN §5).
    outbox: `${namespace}:{notify}:outbox`,
    grouper: `${namespace}:{notify}:grouper`,
    lease: `${namespace}:{notify}:lease`,
    fence: `${namespace}:{notify}:fence`,
    deliveryQueue: `${namespace}:{notify}:queue`,
    inFlight: `${namespace}:{notify}:in-flight`,
    claims: `${namespace}:{notify}:claims`,
    deliveries: `${namespace}:{notify}:deliveries`,
    dead: `${namespace}:{notify}:dead`,
  };
}

export type AlerterKeys = ReturnType<typeof alerterKeys>;
