import { readFileSync } from 'node:fs';
import { CallboardError } from '@callboard/errors';
import { describeZodError } from '@callboard/events';
import type { TenantClock } from './types.js';
import type { TenantKpiSettings } from '@callboard/kpi';
import { BUILT_IN_DEFAULTS, type QueueConfigFile, queueConfigFileSchema, type QueueSettings, tenantKpiSettingsSchema } from './schema.js';

/** Everything callboard needs to know about one queue. */
export interface ResolvedQueue extends QueueSettings, TenantClock {
  tenantId: string;
  queueId: string;
}

/**
 * Per-queue settings with tenant defaults (issue #3 item 4). Lookup of a queue the file does not name
 * falls back to its tenant's defaults, then the file's, then the built-in ones, so a new queue works.
 */
export class QueueConfig {
  private readonly cache = new Map<string, ResolvedQueue>();

  constructor(readonly file: QueueConfigFile) {}

  static parse(input: unknown, source = 'queue settings'): QueueConfig {
    const parsed = queueConfigFileSchema.safeParse(input);
    if (!parsed.success) throw new CallboardError('CB_QUEUE_CONFIG_INVALID', `${source}: ${describeZodError(parsed.error)}`);
    const config = new QueueConfig(parsed.data);
    for (const [tenantId, tenant] of Object.entries(parsed.data.tenants)) {
      for (const queueId of Object.keys(tenant.queues)) config.resolve(tenantId, queueId);
    }
    return config;
  }

  static load(path: string): QueueConfig {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new CallboardError('CB_QUEUE_CONFIG_INVALID', `${path}: cannot read (${(err as Error).message})`, { cause: err });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new CallboardError('CB_QUEUE_CONFIG_INVALID', `${path}: not JSON (${(err as Error).message})`, { cause: err });
    }
    return QueueConfig.parse(json, path);
  }

  static defaults(): QueueConfig {
    return QueueConfig.parse({});
  }

  resolve(tenantId: string, queueId: string): ResolvedQueue {
    const id = `${tenantId}\u0000${queueId}`;
    let resolved = this.cache.get(id);
    if (!resolved) {
      const tenant = this.file.tenants[tenantId];
      resolved = Object.freeze({
        ...BUILT_IN_DEFAULTS,
        ...this.file.defaults,
        ...tenant?.defaults,
        ...tenant?.queues[queueId],
        timeZone: tenant?.timeZone ?? this.file.defaultTimeZone,
        dayStartHour: tenant?.dayStartHour ?? 0,
        tenantId,
        queueId,
      });
      if (resolved.shortAbandonMs > resolved.slThresholdMs) {
        throw new CallboardError('CB_QUEUE_CONFIG_INVALID', `tenants.${tenantId}.queues.${queueId}: shortAbandonMs (${resolved.shortAbandonMs}) must not exceed slThresholdMs (${resolved.slThresholdMs})`);
      }
      this.cache.set(id, resolved);
    }
    return resolved;
  }

  /** A tenant's wave 2 settings: subscribers, repeat window and complaint response times, defaults filled. */
  tenantSettings(tenantId: string): TenantKpiSettings {
    const tenant = this.file.tenants[tenantId];
    const defaults = tenantKpiSettingsSchema.parse({});
    return {
      ...(tenant?.subscribers === undefined ? {} : { subscribers: tenant.subscribers }),
      repeatWindowHours: tenant?.repeatWindowHours ?? defaults.repeatWindowHours,
      complaintResponseMs: tenant?.complaintResponseMs ?? defaults.complaintResponseMs,
    };
  }

  /** Every tenant the file names. */
  tenantIds(): string[] {
    return Object.keys(this.file.tenants);
  }

  clock(tenantId: string): TenantClock {
    const tenant = this.file.tenants[tenantId];
    return { timeZone: tenant?.timeZone ?? this.file.defaultTimeZone, dayStartHour: tenant?.dayStartHour ?? 0 };
  }

  /** Queues the file names explicitly; they get snapshots even before their first event. */
  namedQueues(): { tenantId: string; queueId: string }[] {
    return Object.entries(this.file.tenants).flatMap(([tenantId, t]) => Object.keys(t.queues).map((queueId) => ({ tenantId, queueId })));
  }
}
