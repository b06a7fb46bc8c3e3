import { CallboardError } from '@callboard/errors';
import { IDENTIFIER_PATTERN } from '@callboard/events';
import { escapeGlob } from '@callboard/runtime';

/** Every Redis key of the alerter (docs/alerts.md). */
export function alerterKeys(namespace: string) {
  const tenantTag = (tenantId: string): string => {
    if (!IDENTIFIER_PATTERN.test(tenantId)) throw new CallboardError('CB_KEY_INVALID', `tenantId ${JSON.stringify(tenantId)} would break the Redis key rules`);
    return `{${tenantId}}`;
  };
  return {
    /** The tenant an {@link outbox} key belongs to, or undefined for any other key. */
    outboxTenant: (key: string): string | undefined => {
      const prefix = `${namespace}:outbox:{`;
      return key.startsWith(prefix) && key.endsWith('}') ? key.slice(prefix.length, -1) : undefined;
    },
    /** A SCAN pattern matching every tenant's outbox. */
    outboxPattern: `${escapeGlob(namespace)}:outbox:{*}`,
    alerts: (tenantId: string) => `${namespace}:alerts:${tenantTag(tenantId)}`,
    silences: (tenantId: string) => `${namespace}:silences:${tenantTag(tenantId)}`,
    audit: (tenantId: string) => `${namespace}:audit:${tenantTag(tenantId)}`,
    /**
     * A tenant's outbox, in the tenant's slot: save-alerts-2.lua writes a change and its entry in
     * one call, so a saved transition is never lost (DESIGN §5: one slot per script call).
     */
    outbox: (tenantId: string) => `${namespace}:outbox:${tenantTag(tenantId)}`,
    /** Tenants with alert state, so with an outbox to drain; written before each save (docs/alerts.md). */
    tenants: `${namespace}:alert-tenants`,
    // The dispatch side shares one hash tag, so each of its script calls touches one slot (DESIGN §5).
    /** Entries moved from the tenants' outboxes, waiting for a dispatcher pass (the old single outbox's key). */
    dispatchOutbox: `${namespace}:{notify}:outbox`,
    /** Ids of entries already moved (sorted set: id by move time), so a move repeated after a crash is a no-op. */
    moved: `${namespace}:{notify}:moved`,
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
