import type { Kafka } from 'kafkajs';
import type { AlertStore } from '@callboard/alerter';
import type { EventCodec } from '@callboard/events';
import type { QueueConfig } from '@callboard/queue-config';
import { type Logger, type OpsServer, type Redis, type Registry, startOpsServer } from '@callboard/runtime';
import type { WindowStore } from '@callboard/windows';
import type { GatewayConfig } from './config.js';
import { Hub } from './hub.js';
import { createGatewayMetrics } from './metrics.js';
import { createRestHandler } from './rest.js';
import { createStaticHandler } from './static.js';
import { createSources, type Sources } from './sources.js';
import { TicketStore } from './tickets.js';
import { createWsServer, type WsServer } from './ws-server.js';

export interface GatewayDeps {
  kafka: Kafka;
  codec: EventCodec;
  redis: Redis;
  store: WindowStore;
  alerts: AlertStore;
  queues: QueueConfig;
  logger: Logger;
  metrics: Registry;
  config: Pick<GatewayConfig, 'port' | 'host' | 'secret' | 'origins' | 'groupId' | 'redisNamespace' | 'limits'>;
  onFatal?: (err: unknown) => void;
}

export interface Gateway {
  start(): Promise<void>;
  close(): Promise<void>;
  isReady(): boolean;
  /** The port listened on (after start). */
  readonly port: number;
  readonly hub: Hub;
}

/**
 * The gateway (DESIGN §7): HTTP and WebSocket on one port, fed by cc.kpi.v1 and cc.alerts.v1.
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
  const metrics = createGatewayMetrics(deps.metrics, hub);
  const tickets = new TicketStore(deps.redis, config.redisNamespace, config.limits.ticketTtlSeconds);
  const sources: Sources = createSources({ kafka: deps.kafka, codec: deps.codec, hub, logger: deps.logger, metrics: deps.metrics, groupId: config.groupId, ...(deps.onFatal ? { onFatal: deps.onFatal } : {}) });
  let ops: OpsServer | undefined;
  let ws: WsServer | undefined;

  return {
    hub,
    get port() {
      return ops?.port ?? 0;
    },
    isReady: () => sources.isReady(),
    async start() {
      await sources.start();
      ws = createWsServer({ hub, secret: config.secret, origins: config.origins, limits: config.limits, tickets, alerts: deps.alerts, metrics, logger: deps.logger });
      const rest = createRestHandler({ secret: config.secret, hub, store: deps.store, alerts: deps.alerts, queues: deps.queues, tickets, logger: deps.logger });
      const wallboard = createStaticHandler();
      ops = await startOpsServer({
        port: config.port,
        host: config.host,
        metrics: deps.metrics,
        logger: deps.logger,
        readiness: { kafka: () => sources.isReady(), redis: async () => (await deps.redis.ping()) === 'PONG' },
        handle: async (req, res) => (await rest(req, res)) || wallboard(req, res),
      });
      const server = ops.server;
      const wsServer = ws;
      server.on('upgrade', (req, socket, head) => wsServer.handleUpgrade(req, socket, head));
      log.info({ port: ops.port, groupId: config.groupId }, 'gateway listening (HTTP and /ws)');
    },
    async close() {
      await ws?.close();
      await ops?.close();
      await sources.close();
    },
  };
}
