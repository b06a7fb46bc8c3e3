import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { AlertStore } from '@callboard/alerter';
import { isCallboardError } from '@callboard/errors';
import type { Logger } from '@callboard/runtime';
import { type TokenClaims, verifyToken } from './auth.js';
import type { GatewayLimits } from './config.js';
import { bearerTokenKey, ConnectionCounter } from './connection-limits.js';
import { CLOSE_CODES, GatewayError, type ProtocolErrorCode } from './errors.js';
import { bearerToken, pathOf } from './http-util.js';
import { type Hub, type HubClient, PROTOCOL_VERSION } from './hub.js';
import { CLIENT_MESSAGE_TYPES, type ClientMessage, clientMessageSchema } from './messages.js';
import type { GatewayMetrics } from './metrics.js';
import type { TicketStore } from './tickets.js';

export const WS_PATH = '/ws';
export const SUBPROTOCOL = 'callboard.v1';
const BEARER_PROTOCOL_PREFIX = 'bearer.';
/** A client over its message rate by this factor within one second is disconnected (4029). */
const RATE_CLOSE_FACTOR = 3;
/** Frames larger than this are cut by `ws` itself (close 1009); between maxFrameBytes and this, 4009. */
const HARD_MAX_PAYLOAD = 1_048_576;
const MAX_TIMER_MS = 2_147_483_647;

export interface WsServerDeps {
  hub: Hub;
  secret: string;
  origins: readonly string[];
  limits: GatewayLimits;
  tickets: TicketStore;
  alerts: AlertStore;
  metrics: GatewayMetrics;
  logger: Logger;
}

export interface WsServer {
  /** The `upgrade` listener of the HTTP server. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every connection with 1001 and stops the timers. */
  close(): Promise<void>;
}

/** Writes a plain HTTP refusal on the raw socket: the upgrade never completes (DESIGN §7). */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}

/**
 * The WebSocket endpoint `/ws` (docs/websocket-protocol.md): authenticates and checks the Origin in
 * the `upgrade` handler before any upgrade, then speaks the versioned JSON protocol. The tenant of a
 * connection comes only from its token; nothing a client sends can name another.
 */
export function createWsServer(deps: WsServerDeps): WsServer {
  const log = deps.logger.child({ module: 'ws' });
  const { limits, hub, metrics } = deps;
  const origins = new Set(deps.origins);
  const perToken = new ConnectionCounter(limits.connectionsPerToken);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: Math.max(HARD_MAX_PAYLOAD, limits.maxFrameBytes),
    // Never echo a `bearer.<token>` entry back: only the protocol name is selected.
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    perMessageDeflate: false,
  });
  const alive = new WeakMap<WebSocket, boolean>();
  const ticker = setInterval(() => hub.tick(), 100);
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      // No pong since the last ping: a half-open socket (DESIGN §7 heartbeats).
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, limits.heartbeatMs);
  ticker.unref();
  heartbeat.unref();

  async function authenticateUpgrade(req: IncomingMessage): Promise<{ claims: TokenClaims; tokenKey: string }> {
    const origin = req.headers.origin;
    // Browsers always send Origin; non-browser clients (no Origin) are not subject to cross-site attacks.
    if (origin !== undefined && !origins.has(origin)) throw new GatewayError('origin_forbidden', 'origin not allowed');
    const header = bearerToken(req);
    if (header) return { claims: await verifyToken(header, deps.secret), tokenKey: bearerTokenKey(header) };
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const viaProtocol = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX))?.slice(BEARER_PROTOCOL_PREFIX.length);
    if (viaProtocol) return { claims: await verifyToken(viaProtocol, deps.secret), tokenKey: bearerTokenKey(viaProtocol) };
    const ticket = new URL(req.url ?? '/', 'http://gateway').searchParams.get('ticket');
    if (ticket !== null) {
      const grant = await deps.tickets.redeem(ticket);
      if (!grant) throw new GatewayError('ticket_invalid', 'ticket unknown, used or expired');
      return grant;
    }
    throw new GatewayError('token_missing', 'no token: use Authorization: Bearer, the bearer.<token> subprotocol or ?ticket=');
  }

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => log.debug({ err }, 'socket error during upgrade'));
    const path = pathOf(req);
    if (path !== WS_PATH) {
      refuse(socket, 404, 'not_found', `no WebSocket endpoint at ${path}`);
      return;
    }
    void authenticateUpgrade(req)
      .then(({ claims, tokenKey }) => {
        // The client left while its token or ticket was checked: there is nothing to take or answer.
        if (socket.destroyed) return;
        if (!perToken.acquire(tokenKey)) throw new GatewayError('too_many_connections', `at most ${limits.connectionsPerToken} connections per token`);
        // The slot belongs to this socket and goes back when it closes, on every path (issue 8 item 3):
        // a handshake ws refuses (Sec-WebSocket-Version: 12), a socket that ends before the upgrade
        // completes, and an open connection that closes.
        socket.once('close', () => perToken.release(tokenKey));
        wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, claims));
      })
      .catch((err: unknown) => {
        if (err instanceof GatewayError) {
          metrics.upgradesRefused.inc({ reason: err.reason });
          log.info({ path, reason: err.reason }, 'upgrade refused');
          refuse(socket, err.status, err.reason, err.message);
        } else {
          log.error({ err, path }, 'upgrade failed');
          refuse(socket, 503, 'unavailable', 'try again');
        }
      });
  }

  function onConnection(ws: WebSocket, claims: TokenClaims): void {
    const connLog = log.child({ tenantId: claims.tenantId, role: claims.role });
    const client: HubClient = {
      tenantId: claims.tenantId,
      send: (frame) => ws.send(frame),
      bufferedAmount: () => ws.bufferedAmount,
      // ws has no cork of its own; its socket is a plain net.Socket (a documented-in-source field).
      cork: () => (ws as unknown as { _socket?: { cork(): void } })._socket?.cork(),
      uncork: () => (ws as unknown as { _socket?: { uncork(): void } })._socket?.uncork(),
      close: (code, reason) => {
        metrics.closes.inc({ code: String(code) });
        ws.close(code, reason);
      },
    };
    let windowStart = Date.now();
    let inWindow = 0;
    let rateErrorSent = false;
    alive.set(ws, true);
    hub.add(client);
    // A token stops at its expiry, open connection or not; the client reconnects with a new one.
    let expiry: NodeJS.Timeout | undefined;
    const watchExpiry = () => {
      const leftMs = claims.exp * 1000 - Date.now();
      if (leftMs <= 0) return closeWith(CLOSE_CODES.unauthorized, 'token expired');
      // Timers overflow past 2^31-1 ms (24.8 days); long-lived wallboard tokens re-arm.
      expiry = setTimeout(watchExpiry, Math.min(leftMs, MAX_TIMER_MS));
      expiry.unref();
    };
    metrics.connections.inc();
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', (err) => connLog.debug({ err }, 'connection error'));
    ws.on('close', (code) => {
      clearTimeout(expiry);
      hub.remove(client);
      metrics.connections.dec();
      connLog.debug({ code }, 'connection closed');
    });

    const reply = (frame: Record<string, unknown>) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ v: PROTOCOL_VERSION, ...frame }));
    };
    const error = (code: ProtocolErrorCode, message: string, id?: string | number) => {
      metrics.protocolErrors.inc({ code });
      reply({ type: 'error', code, message, ...(id === undefined ? {} : { id }) });
    };
    const closeWith = (code: number, reason: string) => {
      hub.remove(client);
      client.close(code, reason);
    };

    watchExpiry();
    reply({ type: 'hello', epoch: hub.epoch, tenantId: claims.tenantId, role: claims.role, heartbeatMs: limits.heartbeatMs, limits: { maxFrameBytes: limits.maxFrameBytes, messagesPerSecond: limits.messagesPerSecond } });

    ws.on('message', (data: RawData, isBinary: boolean) => {
      const now = Date.now();
      if (now - windowStart >= 1000) {
        windowStart = now;
        inWindow = 0;
        rateErrorSent = false;
      }
      inWindow += 1;
      if (inWindow > limits.messagesPerSecond * RATE_CLOSE_FACTOR) return closeWith(CLOSE_CODES.rateLimited, 'rate limited');
      if (inWindow > limits.messagesPerSecond) {
        // One error per second is enough to say it; the rest are dropped silently.
        if (!rateErrorSent) error('rate_limited', `at most ${limits.messagesPerSecond} messages per second; message dropped`);
        rateErrorSent = true;
        return;
      }
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
      if (size > limits.maxFrameBytes) {
        error('too_large', `frames are at most ${limits.maxFrameBytes} bytes`);
        return closeWith(CLOSE_CODES.tooLarge, 'too large');
      }
      if (isBinary) return error('bad_json', 'binary frames are not supported; send JSON text');
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return error('bad_json', 'not valid JSON');
      }
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return error('invalid', 'a message is a JSON object with a "type"');
      const rawId = (raw as { id?: unknown }).id;
      const id = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : undefined;
      const type = (raw as { type?: unknown }).type;
      if (typeof type !== 'string' || !CLIENT_MESSAGE_TYPES.includes(type)) return error('unknown_type', `type must be one of ${CLIENT_MESSAGE_TYPES.join(', ')}`, id);
      const parsed = clientMessageSchema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return error('invalid', `${issue?.path.join('.') || type}: ${issue?.message ?? 'invalid'}`, id);
      }
      handleMessage(parsed.data);
    });

    function handleMessage(msg: ClientMessage): void {
      switch (msg.type) {
        case 'subscribe':
          hub.subscribe(client, msg.queues, msg.windows);
          return;
        case 'unsubscribe':
          hub.unsubscribe(client, msg.queues);
          reply({ type: 'unsubscribed', queues: hub.subscription(client) ?? [], ...(msg.id === undefined ? {} : { id: msg.id }) });
          return;
        case 'ping':
          reply({ type: 'pong', at: new Date().toISOString(), ...(msg.id === undefined ? {} : { id: msg.id }) });
          return;
        case 'ack':
        case 'unack': {
          if (claims.role === 'wallboard') return error('forbidden', `${msg.type} needs the lead or admin role`, msg.id);
          const by = claims.sub ?? `${claims.role}@${claims.tenantId}`;
          const op = msg.type === 'ack' ? deps.alerts.acknowledge(claims.tenantId, msg.fingerprint, by) : deps.alerts.unacknowledge(claims.tenantId, msg.fingerprint, by);
          void op
            .then((state) => reply({ type: `${msg.type}ed`, fingerprint: msg.fingerprint, alert: state, ...(msg.id === undefined ? {} : { id: msg.id }) }))
            .catch((err: unknown) => {
              if (isCallboardError(err, 'CB_USAGE')) return error('not_found', `no alert ${msg.fingerprint}`, msg.id);
              connLog.warn({ err }, `${msg.type} failed`);
              error('internal', `${msg.type} failed; try again`, msg.id);
            });
          return;
        }
      }
    }
  }

  return {
    handleUpgrade,
    async close() {
      clearInterval(ticker);
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.close(CLOSE_CODES.goingAway, 'server shutting down');
      // Give the closing handshakes a moment, then cut whatever did not answer.
      for (let waited = 0; wss.clients.size > 0 && waited < 1000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      for (const ws of wss.clients) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
