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
    outbox: `${namespace}:alert-outbox`,
    grouper: `${namespace}:notify:grouper`,
    deliveryQueue: `${namespace}:notify:queue`,
    deliveries: `${namespace}:notify:deliveries`,
    dead: `${namespace}:notify:dead`,
  };
}

export type AlerterKeys = ReturnType<typeof alerterKeys>;
