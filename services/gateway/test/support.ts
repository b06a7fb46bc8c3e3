import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { AlertStore } from '@callboard/alerter';
import { QueueConfig } from '@callboard/queue-config';
import { createMetricsRegistry, type Logger, type Redis } from '@callboard/runtime';
import { WindowStore, type KpiView } from '@callboard/windows';
import type { TestStack } from '../../../test/helpers/infra.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { createGateway, type Gateway, type GatewayLimits } from '../src/index.js';

export const SECRET = `test-secret-${randomBytes(16).toString('hex')}`;
export const ORIGIN = 'http://wallboard.test';
/** The credential of a Prometheus that scrapes every tenant's KPI series. */
export const SCRAPE_TOKEN = `scrape-${randomBytes(24).toString('hex')}`;

export const TEST_LIMITS: GatewayLimits = {
  maxFrameBytes: 16_384,
  messagesPerSecond: 20,
  connectionsPerToken: 10,
  maxBufferedBytes: 1_048_576,
  slowCloseMs: 10_000,
  heartbeatMs: 30_000,
  ticketTtlSeconds: 30,
  ticketsPerMinute: 10,
};

export interface TestGateway {
  gateway: Gateway;
  url: string;
  /** The ops listener: health, readiness and operational metrics, no tenant data. */
  opsUrl: string;
  wsUrl: string;
  namespace: string;
  store: WindowStore;
  alerts: AlertStore;
  queues: QueueConfig;
  close(): Promise<void>;
}

/** A gateway on a free port over the stack's topics, with its own Redis namespace and consumer group. */
export async function startTestGateway(stack: TestStack, redis: Redis, options: { namespace?: string; limits?: Partial<GatewayLimits>; logger?: Logger } = {}): Promise<TestGateway> {
  const namespace = options.namespace ?? `t${randomBytes(4).toString('hex')}`;
  const queues = QueueConfig.defaults();
  const store = new WindowStore(redis, { namespace });
  const alerts = new AlertStore(redis, namespace);
  const gateway = createGateway({
    kafka: stack.kafka,
    codec: stack.codec,
    redis,
    store,
    alerts,
    queues,
    logger: options.logger ?? stack.logger,
    metrics: createMetricsRegistry('gateway-test'),
    config: {
      port: 0,
      host: '127.0.0.1',
      opsPort: 0,
      opsHost: '127.0.0.1',
      secret: SECRET,
      scrapeToken: SCRAPE_TOKEN,
      origins: [ORIGIN],
      groupId: `${stack.prefix}gateway-${randomBytes(4).toString('hex')}`,
      redisNamespace: namespace,
      limits: { ...TEST_LIMITS, ...options.limits },
    },
  });
  await gateway.start();
  await waitFor('the gateway to be ready', () => (gateway.isReady() ? true : undefined), 60_000);
  const url = `http://127.0.0.1:${gateway.port}`;
  return { gateway, url, opsUrl: `http://127.0.0.1:${gateway.opsPort}`, wsUrl: `ws://127.0.0.1:${gateway.port}/ws`, namespace, store, alerts, queues, close: () => gateway.close() };
}

export type Frame = { type: string; [field: string]: unknown };

/** A WebSocket client that records every frame and how it closed. */
export interface TestClient {
  ws: WebSocket;
  frames: Frame[];
  closed?: { code: number; reason: string };
  send(value: unknown): void;
  next(type: string, predicate?: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  waitClosed(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  close(): void;
}

export type ConnectResult = { ok: true; client: TestClient } | { ok: false; status: number; body: string };

/** Connects; resolves with the client once open, or with the HTTP status of a refused upgrade. */
export function connect(wsUrl: string, options: { token?: string; origin?: string; protocols?: string[]; headers?: Record<string, string> } = {}): Promise<ConnectResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const ws = new WebSocket(wsUrl, options.protocols ?? [], { headers, ...(options.origin ? { origin: options.origin } : {}) });
  const client: TestClient = {
    ws,
    frames: [],
    send: (value) => ws.send(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value)),
    next: (type, predicate = () => true, timeoutMs = 15_000) => waitFor(`a ${type} frame`, () => client.frames.find((f) => f.type === type && predicate(f)), timeoutMs, 20),
    waitClosed: (timeoutMs = 15_000) => waitFor('the socket to close', () => client.closed, timeoutMs, 20),
    close: () => ws.close(),
  };
  ws.on('message', (data) => client.frames.push(JSON.parse(String(data)) as Frame));
  ws.on('close', (code, reason) => {
    client.closed = { code, reason: reason.toString() };
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ok: true, client }));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ ok: false, status: res.statusCode ?? 0, body }));
    });
    ws.once('error', (err) => reject(err));
  });
}

export async function open(wsUrl: string, options: Parameters<typeof connect>[1]): Promise<TestClient> {
  const r = await connect(wsUrl, options);
  if (!r.ok) throw new Error(`upgrade refused: ${r.status} ${r.body}`);
  return r.client;
}

/** Publishes KPI snapshots to cc.kpi.v1 keyed as the aggregator keys them (`<tenant>/<queue>`, `<tenant>/*` for a total). */
export async function publishSnapshots(stack: TestStack, views: KpiView[]): Promise<void> {
  const producer = stack.kafka.producer();
  await producer.connect();
  try {
    const messages = await Promise.all(views.map(async (v) => ({ key: `${v.tenantId}/${v.queueId ?? '*'}`, value: await stack.codec.encode(stack.topology.kpi.name, { ...v }) })));
    await producer.send({ topic: stack.topology.kpi.name, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Publishes alert change records to cc.alerts.v1 (the schema of packages/events/schemas/alert.avsc). */
export async function publishAlert(stack: TestStack, input: { tenantId: string; queueId: string; fingerprint: string; kind?: string }): Promise<void> {
  const at = Date.now();
  const record = {
    fingerprint: input.fingerprint,
    kind: input.kind ?? 'fire',
    ruleId: 'sl-low',
    ruleName: 'SL low',
    severity: 'warning',
    tenantId: input.tenantId,
    queueId: input.queueId,
    metric: 'sl.primary',
    window: 'rolling-15m',
    state: 'firing',
    previousState: 'pending',
    value: 0.5,
    fireThreshold: 0.8,
    clearThreshold: 0.85,
    since: at,
    firedAt: at,
    resolvedAt: null,
    episode: 1,
    ackBy: null,
    ackAt: null,
    silencedBy: null,
    labels: {},
    at,
  };
  const producer = stack.kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic: stack.topology.alerts.name, messages: [{ key: input.fingerprint, value: await stack.codec.encode(stack.topology.alerts.name, record) }] });
  } finally {
    await producer.disconnect();
  }
}
