import { CallboardError } from '@callboard/errors';

/** The per-queue parameters that decide how an outcome is counted (DESIGN §3). */
export interface QueueKpiSettings {
  /** `T`: an answer or abandon with `waitMs <= slThresholdMs` is within service level. */
  slThresholdMs: number;
  /** An abandon with `waitMs < shortAbandonMs` is a short abandon. */
  shortAbandonMs: number;
  /** A first response (chat, email, sms) with `firstResponseMs <= firstResponseTargetMs` is within target. */
  firstResponseTargetMs: number;
}

/** The per-tenant parameters of the wave 2 KPIs (issue 11, docs/decisions/0010-service-quality-kpis.md). */
export interface TenantKpiSettings {
  /** Subscribers for 投诉率/万 per 10 000 subscribers; absent: that ratio is `null`. */
  subscribers?: number;
  /** N of repeat-contact FCR: a contact again within N hours is a repeat. */
  repeatWindowHours: number;
  /** Response time given to a complaint filed without `responseDueAt`, by severity. */
  complaintResponseMs: { urgent: number; normal: number };
}

/** Defaults of {@link TenantKpiSettings}: 48 h repeat window, urgent complaints answered in 2 h, normal in 24 h. */
export const DEFAULT_TENANT_KPI_SETTINGS: Readonly<TenantKpiSettings> = Object.freeze({
  repeatWindowHours: 48,
  complaintResponseMs: Object.freeze({ urgent: 2 * 3600_000, normal: 24 * 3600_000 }),
});

/** DESIGN §3 defaults: 20 s service level ("80/20"), 5 s short abandon. Frozen. */
export const DEFAULT_QUEUE_KPI_SETTINGS: Readonly<QueueKpiSettings> = Object.freeze({
  slThresholdMs: 20_000,
  shortAbandonMs: 5_000,
  firstResponseTargetMs: 30_000,
});

/**
 * Fills missing settings from {@link DEFAULT_QUEUE_KPI_SETTINGS} and checks them.
 *
 * @param partial - settings configured for a queue, possibly none
 * @returns a new, frozen settings object
 * @throws CallboardError `CB_QUEUE_CONFIG_INVALID` when a value is not a non-negative integer of milliseconds
 */
export function resolveQueueKpiSettings(partial: Partial<QueueKpiSettings> = {}): Readonly<QueueKpiSettings> {
  const settings: QueueKpiSettings = {
    slThresholdMs: partial.slThresholdMs ?? DEFAULT_QUEUE_KPI_SETTINGS.slThresholdMs,
    shortAbandonMs: partial.shortAbandonMs ?? DEFAULT_QUEUE_KPI_SETTINGS.shortAbandonMs,
    firstResponseTargetMs: partial.firstResponseTargetMs ?? DEFAULT_QUEUE_KPI_SETTINGS.firstResponseTargetMs,
  };
  for (const [name, value] of Object.entries(settings)) {
    // Waits are integer milliseconds (DESIGN §2), so a fractional threshold would only blur `<=` vs `<`.
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new CallboardError('CB_QUEUE_CONFIG_INVALID', `${name} must be a non-negative integer of milliseconds`, {
        setting: name,
        value,
      });
    }
  }
  return Object.freeze(settings);
}

/**
 * Fills missing tenant settings from {@link DEFAULT_TENANT_KPI_SETTINGS} (each severity's response
 * time separately) and checks them, like {@link resolveQueueKpiSettings}.
 *
 * @param partial - settings configured for a tenant, possibly none
 * @returns a new, frozen settings object
 * @throws CallboardError `CB_QUEUE_CONFIG_INVALID` when `subscribers` or `repeatWindowHours` is not a
 *   positive integer, or a response time is not a non-negative integer of milliseconds
 */
export function resolveTenantKpiSettings(partial: Partial<TenantKpiSettings> = {}): Readonly<TenantKpiSettings> {
  const defaults = DEFAULT_TENANT_KPI_SETTINGS;
  const complaintResponseMs = Object.freeze({
    urgent: partial.complaintResponseMs?.urgent ?? defaults.complaintResponseMs.urgent,
    normal: partial.complaintResponseMs?.normal ?? defaults.complaintResponseMs.normal,
  });
  const settings: TenantKpiSettings = {
    ...(partial.subscribers === undefined ? {} : { subscribers: partial.subscribers }),
    repeatWindowHours: partial.repeatWindowHours ?? defaults.repeatWindowHours,
    complaintResponseMs,
  };
  const checks: [string, number | undefined, number][] = [
    ['subscribers', settings.subscribers, 1],
    ['repeatWindowHours', settings.repeatWindowHours, 1],
    ['complaintResponseMs.urgent', complaintResponseMs.urgent, 0],
    ['complaintResponseMs.normal', complaintResponseMs.normal, 0],
  ];
  for (const [name, value, min] of checks) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
      throw new CallboardError('CB_QUEUE_CONFIG_INVALID', `${name} must be an integer of at least ${min}`, { setting: name, value });
    }
  }
  return Object.freeze(settings);
}

/**
 * A per-tenant lookup of resolved settings that asks `partialOf` once per tenant.
 *
 * @param partialOf - the configured settings of a tenant; defaults for every tenant when absent
 */
export function tenantSettingsResolver(partialOf?: (tenantId: string) => Partial<TenantKpiSettings>): (tenantId: string) => Readonly<TenantKpiSettings> {
  const cache = new Map<string, Readonly<TenantKpiSettings>>();
  return (tenantId) => {
    let settings = cache.get(tenantId);
    if (settings === undefined) {
      settings = resolveTenantKpiSettings(partialOf?.(tenantId));
      cache.set(tenantId, settings);
    }
    return settings;
  };
}
