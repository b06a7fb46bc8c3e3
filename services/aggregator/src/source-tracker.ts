import { CallboardError } from '@callboard/errors';
import { type CanonicalEvent, type EventCodec, parseSourceHeartbeat, type SourceHeartbeatRecord } from '@callboard/events';
import type { ConsumedEvent, RecordDecoder } from '@callboard/runtime';
import { noteSourceTimes, SOURCE_FIELD, sourceField, type WindowStore } from '@callboard/windows';

/**
 * A source's newest event is written again only once it moved this far: at most about one small
 * Redis write per source per second per partition, whatever the event rate (the per-event hot path
 * only compares strings; docs/decisions/0008-source-freshness.md).
 */
export const SOURCE_NOTE_STEP_MS = 1_000;

/** A `cc.source-status.v1` record, checked; anything else goes to the DLQ. */
export function heartbeatDecoder(codec: EventCodec): RecordDecoder<SourceHeartbeatRecord> {
  return async (value) => {
    const decoded = await codec.decode(value);
    if (!decoded.ok) return decoded;
    const heartbeat = parseSourceHeartbeat(decoded.value);
    return heartbeat
      ? { ok: true, event: heartbeat }
      : { ok: false, error: new CallboardError('CB_EVENT_INVALID', 'not a source heartbeat: tenantId (an identifier), source (1-128 characters), sentAt, eventsSent, intervalMs and instanceId are required') };
  };
}

/**
 * Keeps per-source freshness in Redis for the snapshots: the newest event of each (tenant, source)
 * the aggregator received, and each source's heartbeats.
 */
export class SourceTracker {
  /** What this process last wrote per tenant and field, so an unchanged source costs no write. */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly store: WindowStore,
    private readonly now: () => number,
  ) {}

  /**
   * Notes the newest occurredAt per (tenant, source) of a chunk: one script call per tenant with a
   * source that moved. occurredAt is the canonical ISO form (`toISOString`, from Avro), so strings
   * compare as instants and only the newest of each source is parsed.
   */
  async noteEvents(events: readonly ConsumedEvent<CanonicalEvent>[]): Promise<void> {
    let newest: Map<string, Map<string, string>> | undefined;
    for (let i = 0; i < events.length; i += 1) {
      const event = events[i]!.event;
      const source = event.source;
      if (source === undefined || source === '') continue;
      newest ??= new Map();
      let bySource = newest.get(event.tenantId);
      if (!bySource) newest.set(event.tenantId, (bySource = new Map()));
      const held = bySource.get(source);
      if (held === undefined || event.occurredAt > held) bySource.set(source, event.occurredAt);
    }
    if (!newest) return;
    const writes: Promise<unknown>[] = [];
    for (const [tenantId, bySource] of newest) {
      const fields = new Map<string, number>();
      for (const [source, occurredAt] of bySource) {
        const ms = Date.parse(occurredAt);
        const field = sourceField(SOURCE_FIELD.event, source);
        if (ms >= (this.written.get(`${tenantId}\u0000${field}`) ?? -Infinity) + SOURCE_NOTE_STEP_MS) fields.set(field, ms);
      }
      if (fields.size > 0) writes.push(this.write(tenantId, fields));
    }
    await Promise.all(writes);
  }

  /**
   * Notes heartbeats: the last heartbeat per source at its own clock, never later than ours (a source
   * clock running ahead must not make it look fresher), and the newest event it says it produced.
   */
  async noteHeartbeats(heartbeats: readonly SourceHeartbeatRecord[]): Promise<void> {
    const now = this.now();
    const byTenant = new Map<string, Map<string, number>>();
    for (const hb of heartbeats) {
      let fields = byTenant.get(hb.tenantId);
      if (!fields) byTenant.set(hb.tenantId, (fields = new Map()));
      const at = Math.min(Date.parse(hb.sentAt), now);
      const heartbeat = sourceField(SOURCE_FIELD.heartbeat, hb.source);
      fields.set(heartbeat, Math.max(at, fields.get(heartbeat) ?? -Infinity));
      if (hb.newestEventAt !== undefined) {
        const reported = sourceField(SOURCE_FIELD.reported, hb.source);
        fields.set(reported, Math.max(Date.parse(hb.newestEventAt), fields.get(reported) ?? -Infinity));
      }
    }
    await Promise.all([...byTenant].map(([tenantId, fields]) => this.write(tenantId, fields)));
  }

  private async write(tenantId: string, fields: Map<string, number>): Promise<void> {
    await noteSourceTimes(this.store, tenantId, fields);
    for (const [field, ms] of fields) {
      const key = `${tenantId}\u0000${field}`;
      if (ms > (this.written.get(key) ?? -Infinity)) this.written.set(key, ms);
    }
  }
}
