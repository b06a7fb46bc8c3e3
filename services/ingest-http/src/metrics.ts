import { Counter, Histogram, type Registry } from '@callboard/runtime';

export interface IngestHttpMetrics {
  /** Requests answered, by HTTP status. */
  requests: Counter<'status'>;
  /** Whole requests refused (401, 403, 413, 415, 429, 503 …), by CB_* code. */
  refused: Counter<'code'>;
  /** Events Kafka acknowledged. */
  accepted: Counter;
  /** Lines refused inside an accepted request, by CB_* code. */
  rejected: Counter<'code'>;
  /** Time from the first send to Kafka's last acknowledgement, per request. */
  sendSeconds: Histogram<'outcome'>;
}

/**
 * The HTTP ingest's operational metrics, on the registry the loopback ops listener serves. Like the
 * gateway's since the cross-tenant leak of issue 8, they carry no tenant label and no tenant data.
 */
export function createIngestHttpMetrics(registry: Registry): IngestHttpMetrics {
  return {
    requests: new Counter({ name: 'callboard_ingest_http_requests_total', help: 'POST /api/v1/events requests answered, by HTTP status.', labelNames: ['status'], registers: [registry] }),
    refused: new Counter({ name: 'callboard_ingest_http_requests_refused_total', help: 'Requests refused whole (token, role, size, event count, media type, rate, Kafka), by CB_* code.', labelNames: ['code'], registers: [registry] }),
    accepted: new Counter({ name: 'callboard_ingest_http_events_accepted_total', help: 'Events acknowledged by Kafka (acks=all) and reported accepted.', registers: [registry] }),
    rejected: new Counter({ name: 'callboard_ingest_http_events_rejected_total', help: 'Lines refused inside a request (sent to cc.dlq.v1), by CB_* code.', labelNames: ['code'], registers: [registry] }),
    sendSeconds: new Histogram({
      name: 'callboard_ingest_http_kafka_send_seconds',
      help: 'Time for Kafka to acknowledge the events and DLQ records of one request, by outcome (ok, failed).',
      labelNames: ['outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}
