import type { Producer } from 'kafkajs';
import { CallboardError } from '@callboard/errors';
import { dlqKey, dlqRecord, type EventCodec, type SourceCoordinates } from '@callboard/events';
import { Counter, type Registry } from 'prom-client';
import { sendByPartition } from './keyed-send.js';

export interface RefusedRecord {
  source: SourceCoordinates;
  key: Buffer | null;
  value: Buffer | null;
  error: CallboardError;
}

/** Sends refused records to `cc.dlq.v1`, whole, with the reason and where they came from. */
export class DlqPublisher {
  private readonly counter: Counter<'reason' | 'topic'>;

  constructor(
    private readonly producer: Producer,
    private readonly codec: EventCodec,
    private readonly service: string,
    metrics: Registry,
  ) {
    this.counter =
      (metrics.getSingleMetric('callboard_dlq_records_total') as Counter<'reason' | 'topic'> | undefined) ??
      new Counter({
        name: 'callboard_dlq_records_total',
        help: 'Records sent to cc.dlq.v1, by reason code and source topic.',
        labelNames: ['reason', 'topic'],
        registers: [metrics],
      });
  }

  /** Publishes and waits for the broker's acknowledgement, so the source may then be committed. */
  async publish(records: RefusedRecord[]): Promise<void> {
    if (records.length === 0) return;
    const messages = await Promise.all(
      records.map(async (r) => ({
        key: dlqKey(r.source),
        value: await this.codec.encode(this.codec.topology.dlq.name, { ...dlqRecord(r.source, r, r.error, this.service) }),
      })),
    );
    try {
      await sendByPartition(this.producer, this.codec.topology, this.codec.topology.dlq.name, messages);
    } catch (err) {
      throw new CallboardError('CB_KAFKA_UNAVAILABLE', `cannot write to ${this.codec.topology.dlq.name}: ${(err as Error).message}`, { cause: err, retriable: true });
    }
    for (const r of records) this.counter.inc({ reason: r.error.code, topic: r.source.topic });
  }
}
