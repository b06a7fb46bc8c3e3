import type { Kafka } from 'kafkajs';
import type { AlertStore } from '@callboard/alerter';
import type { EventCodec } from '@callboard/events';
import type { QueueConfig } from '@callboard/queue-config';
import { type Logger, type OpsServer, type RedisClient, type Registry, startOpsServer } from '@callboard/runtime';
import type { WindowStore } from '@callboard/windows';
import { GATEWAY_DEFAULTS, type GatewayConfig } from './config.js';
import { Hub } from './hub.js';
import { gatewayKeys } from './keys.js';
import { createGatewayMetrics } from './metrics.js';
import { FixedWindowLimiter } from './rate-limit.js';
import { createRestHandler } from './rest.js';
import { createStaticHandler } from './static.js';
import { createSources, type Sources } from './sources.js';
import { TicketStore } from './tickets.js';
import { createWsServer, type WsServer } from './ws-server.js';

export interface GatewayDeps {
  kafka: Kafka;
  codec: EventCodec;
  redis: RedisClient;
  store: WindowStore;
  alerts: AlertStore;
  queues: QueueConfig;
  logger: Logger;
  metrics: Registry;
  config: Pick<GatewayConfig, 'port' | 'host' | 'opsPort' | 'opsHost' | 'secret' | 'scrapeToken' | 'origins' | 'groupId' | 'redisNamespace' | 'limits'>;
  onFatal?: (err: unknown) => void;
}

export interface Gateway {
  start(): Promise<void>;
  close(): Promise<void>;
  isReady(): boolean;
  /** The public port listened on (after start): WebSocket, REST, the wallboard, KPI `/metrics`. */
  readonly port: number;
  /** The ops listener's port (after start; 0 when `config.opsPort` is unset). */
  readonly opsPort: number;
  readonly hub: Hub;
}

/**
 * The gateway (DESIGN §7): HTTP and WebSocket on one public port, fed by cc.kpi.v1 and cc.alerts.v1,
 * and an ops listener (loopback by default) for `/healthz`, `/readyz` and the operational `/metrics`.
 * Per-tenant KPI series are only on the public `/metrics`, behind a credential (issue 8 item 1).
 * `start` loads the latest snapshots and listens; `close` says goodbye (1001) to every client.
 */
export function createGateway(deps: GatewayDeps): Gateway {
  const log = deps.logger.child({ module: 'gateway' });
  const { config } = deps;
  const hub = new Hub({
    maxBufferedBytes: config.limits.maxBufferedBytes,
    slowCloseMs: config.limits.slowCloseMs,
    onSlowClose: (client) => log.warn({ tenantId: client.tenantId }, 'closing a client that stayed over its buffer cap'),
    // Called only after construction, once `metrics` exists.
    onCoalesced: () => metrics.coalesced.inc(),
  });
  const metrics = createGatewayMetrics(deps.metrics);
  const keys = gatewayKeys(config.redisNamespace);
  const tickets = new TicketStore(deps.redis, config.redisNamespace, config.limits.ticketTtlSeconds);
  const ticketLimiter = new FixedWindowLimiter(deps.redis, config.limits.ticketsPerMinute ?? GATEWAY_DEFAULTS.CB_GATEWAY_TICKETS_PER_MINUTE, 60_000);
  const sources: Sources = createSources({ kafka: deps.kafka, codec: deps.codec, hub, logger: deps.logger, metrics: deps.metrics, groupId: config.groupId, ...(deps.onFatal ? { onFatal: deps.onFatal } : {}) });
  let pub: OpsServer | undefined;
  let ops: OpsServer | undefined;
  let ws: WsServer | undefined;
  const readiness = { kafka: () => sources.isReady(), redis: async () => (await deps.redis.ping()) === 'PONG' };

  return {
    hub,
    get port() {
      return pub?.port ?? 0;
    },
    get opsPort() {
      return ops?.port ?? 0;
    },
    isReady: () => sources.isReady(),
    async start() {
      await sources.start();
      // After the alert consumer joined: an alert saved before this read is described by its stored
      // state, one saved after it reaches the hub as a record.
      for (const tenantId of await deps.alerts.tenants()) hub.describeRules(tenantId, await deps.alerts.list(tenantId));
      ws = createWsServer({ hub, secret: config.secret, origins: config.origins, limits: config.limits, tickets, alerts: deps.alerts, metrics, logger: deps.logger });
      const rest = createRestHandler({
        secret: config.secret,
        ...(config.scrapeToken === undefined ? {} : { scrapeToken: config.scrapeToken }),
        hub,
        store: deps.store,
        alerts: deps.alerts,
        queues: deps.queues,
        tickets,
        ticketLimiter,
        keys,
        metrics,
        logger: deps.logger,
      });
      const wallboard = createStaticHandler();
      // No registry here: `/metrics` on the public port is the rest handler's, behind a credential.
      pub = await startOpsServer({ port: config.port, host: config.host, logger: deps.logger, readiness, handle: async (req, res) => (await rest(req, res)) || wallboard(req, res) });
      if (config.opsPort !== undefined) ops = await startOpsServer({ port: config.opsPort, host: config.opsHost ?? GATEWAY_DEFAULTS.CB_GATEWAY_OPS_HOST, metrics: deps.metrics, logger: deps.logger, readiness });
      const server = pub.server;
      const wsServer = ws;
      server.on('upgrade', (req, socket, head) => wsServer.handleUpgrade(req, socket, head));
      log.info({ port: pub.port, opsPort: ops?.port, groupId: config.groupId }, 'gateway listening (HTTP and /ws; operational metrics on the ops port)');
    },
    async close() {
      await ws?.close();
      await pub?.close();
      await ops?.close();
      await sources.close();
    },
  };
}
