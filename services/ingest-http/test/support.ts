import { randomBytes } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { createMetricsRegistry, type Registry } from '@callboard/runtime';
import { issueToken, type Role } from '@callboard/tokens';
import type { TestStack } from '../../../test/helpers/infra.js';
import { createIngestHttp, EVENTS_PATH, type IngestHttp, type IngestHttpDeps, type IngestLimits } from '../src/index.js';

/** CB_INGEST_TOKEN_SECRET: what ingest tokens are signed and checked with. */
export const SECRET = `test-secret-${randomBytes(16).toString('hex')}`;
/** CB_INGEST_TOKEN_SECRET_PREVIOUS: the secret a rotation still accepts. */
export const PREVIOUS_SECRET = `test-previous-${randomBytes(16).toString('hex')}`;
/** CB_GATEWAY_SECRET: the gateway's; the ingest never checks with it. */
export const GATEWAY_SECRET = `test-gateway-${randomBytes(16).toString('hex')}`;

export const TEST_LIMITS: IngestLimits = { maxBodyBytes: 1_048_576, maxEvents: 5_000, ratePerSecond: 1_000, rateBurst: 1_000, sendTimeoutMs: 15_000 };

export const token = (tenantId: string, role: Role = 'ingest', ttlSeconds = 600) => issueToken({ tenantId, role, ttlSeconds }, SECRET);

export interface TestIngest {
  ingest: IngestHttp;
  producer: Producer;
  metrics: Registry;
  close(): Promise<void>;
}

/** An HTTP ingest on free ports over the stack's topics, with its own idempotent producer. */
export async function startTestIngest(stack: TestStack, options: { limits?: Partial<IngestLimits> } & Partial<Pick<IngestHttpDeps, 'onAccepted' | 'now'>> = {}): Promise<TestIngest> {
  const producer = stack.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const metrics = createMetricsRegistry('ingest-http-test');
  const { limits, ...rest } = options;
  const ingest = createIngestHttp({
    producer,
    codec: stack.codec,
    logger: stack.logger,
    metrics,
    config: { port: 0, host: '127.0.0.1', opsPort: 0, opsHost: '127.0.0.1', tokenSecrets: [SECRET, PREVIOUS_SECRET], limits: { ...TEST_LIMITS, ...limits } },
    ...rest,
  });
  await ingest.start();
  return {
    ingest,
    producer,
    metrics,
    async close() {
      await ingest.close();
      await producer.disconnect();
    },
  };
}

export interface Posted {
  status: number;
  headers: Headers;
  body: { accepted?: number; rejected?: { line: number; code: string; message: string }[]; error?: { code: string; message: string } };
}

/** POSTs a body to the ingest's events route. */
export async function post(ingest: IngestHttp, body: string, options: { token?: string; contentType?: string; authorization?: string } = {}): Promise<Posted> {
  const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/x-ndjson' };
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  else if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${ingest.url}${EVENTS_PATH}`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Posted['body']) : {} };
}

/** A valid call.offered of `tenantId`, unique by `id`. */
export function offered(tenantId: string, id: string, at = Date.now() - 60_000, queueId = 'q-sales'): { eventId: string; [field: string]: unknown } {
  return { eventId: `ev-${id}`, type: 'call.offered', occurredAt: new Date(at).toISOString(), tenantId, queueId, callId: `call-${id}`, channel: 'voice', direction: 'inbound' };
}

export const ndjson = (events: readonly unknown[]): string => events.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('\n');
