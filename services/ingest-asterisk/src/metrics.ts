import { Counter, Gauge, type Registry } from '@callboard/runtime';

export interface AsteriskIngestMetrics {
  lines: Counter<'result'>;
  events: Counter<'type' | 'feed'>;
  skipped: Counter<'kind' | 'feed'>;
  refused: Counter<'code' | 'feed'>;
  lagBytes: Gauge;
  rotations: Counter<'kind'>;
  failures: Counter<'code'>;
  /** Only with AMI. */
  amiConnected: Gauge | undefined;
  /** Set by the adapter: the newest occurredAt it produced (ms), for the last-event-age gauge. */
  noteEventAt(ms: number): void;
}

/** The adapter's metrics (issue 10 item 2); DLQ writes are also counted by the runtime's `callboard_dlq_records_total`. */
export function createAsteriskIngestMetrics(registry: Registry, options: { ami: boolean; now?: () => number }): AsteriskIngestMetrics {
  const now = options.now ?? Date.now;
  let newestEventAt: number | undefined;
  new Gauge({
    name: 'callboard_asterisk_last_event_age_seconds',
    help: 'Wall time since the occurredAt of the newest event produced; absent before the first.',
    registers: [registry],
    collect() {
      if (newestEventAt === undefined) this.reset();
      else this.set((now() - newestEventAt) / 1000);
    },
  });
  return {
    lines: new Counter({
      name: 'callboard_asterisk_lines_read_total',
      help: 'queue_log lines read and committed, by result: mapped (events or a counted skip), invalid (to the DLQ), blank.',
      labelNames: ['result'],
      registers: [registry],
    }),
    events: new Counter({
      name: 'callboard_asterisk_events_produced_total',
      help: 'Canonical events produced and acknowledged by Kafka, by type and feed (queue_log, ami).',
      labelNames: ['type', 'feed'],
      registers: [registry],
    }),
    skipped: new Counter({
      name: 'callboard_asterisk_skipped_total',
      help: 'queue_log and AMI events counted and skipped (RINGNOANSWER, CONFIGRELOAD, …), by kind and feed.',
      labelNames: ['kind', 'feed'],
      registers: [registry],
    }),
    refused: new Counter({
      name: 'callboard_asterisk_dlq_total',
      help: 'Lines and AMI messages sent to cc.dlq.v1 (they did not parse or map), by error code and feed.',
      labelNames: ['code', 'feed'],
      registers: [registry],
    }),
    lagBytes: new Gauge({ name: 'callboard_asterisk_lag_bytes', help: 'Bytes of the queue_log beyond the last committed position.', registers: [registry] }),
    rotations: new Counter({
      name: 'callboard_asterisk_file_switches_total',
      help: 'Moves of the tail to another file: rotated (renamed away and read to its end, then the new file), copy (the rest read from a copytruncate copy, or from the file found under its rotated name after a restart), truncated (no copy found: restarted at 0), lost (the old file was gone).',
      labelNames: ['kind'],
      registers: [registry],
    }),
    failures: new Counter({
      name: 'callboard_asterisk_chunk_failures_total',
      help: 'Chunks not committed (Kafka or the registry unavailable, the file unreadable), by error code; each is read again after a backoff.',
      labelNames: ['code'],
      registers: [registry],
    }),
    amiConnected: options.ami ? new Gauge({ name: 'callboard_asterisk_ami_connected', help: '1 while logged in to AMI, 0 otherwise (absent without AMI).', registers: [registry] }) : undefined,
    noteEventAt(ms) {
      if (newestEventAt === undefined || ms > newestEventAt) newestEventAt = ms;
    },
  };
}
