import { backoffDelay } from './backoff.js';
import type { Role, ServerFrame } from './types.js';

/**
 * The windows the wallboard needs: rolling-15m for the tiles, rolling-5m for the sparkline's live
 * points, today for the tenant strip (complaints per 10 000, CSAT, NPS and FCR of the day).
 */
export const SUBSCRIBED_WINDOWS = ['rolling-15m', 'rolling-5m', 'today'] as const;

export type ConnectionStatus = { state: 'connecting' | 'open' } | { state: 'reconnecting'; inMs: number; reason?: string };

export interface ConnectionEvents {
  onStatus(status: ConnectionStatus): void;
  onHello(info: { tenantId: string; role: Role }): void;
  /** A data or control frame, after the seq/epoch check (which may have sent a resubscribe). */
  onFrame(frame: ServerFrame): void;
}

/** Thrown by the ticket exchange so the status line can show the gateway's reason. */
class TicketRefused extends Error {
  constructor(readonly code: string) {
    super(`ticket refused: ${code}`);
  }
}

/**
 * One wallboard's link to the gateway: bearer token → one-time ticket → `/ws?ticket=`, subscribe to
 * every queue, and the resync rule of docs/websocket-protocol.md. Any close reconnects with backoff
 * and a fresh ticket; the token itself never leaves the page except in the Authorization header.
 */
export class Connection {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private epoch: string | undefined;
  private lastSeq = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly token: string,
    private readonly events: ConnectionEvents,
  ) {}

  start(): void {
    void this.connect();
  }

  send(message: object): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(message));
  }

  private async ticket(): Promise<string> {
    const res = await fetch('/api/v1/ws-ticket', { method: 'POST', headers: { authorization: `Bearer ${this.token}` } });
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
      throw new TicketRefused(body.error?.code ?? String(res.status));
    }
    return ((await res.json()) as { ticket: string }).ticket;
  }

  private async connect(): Promise<void> {
    this.events.onStatus({ state: 'connecting' });
    let ticket: string;
    try {
      ticket = await this.ticket();
    } catch (err) {
      this.retry(err instanceof TicketRefused ? err.code : 'network');
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(`${scheme}//${location.host}/ws?ticket=${encodeURIComponent(ticket)}`);
    this.ws = ws;
    ws.onmessage = (ev) => this.receive(ev.data);
    ws.onclose = (ev) => {
      if (this.ws === ws) this.retry(`${ev.code}`);
    };
  }

  private retry(reason: string): void {
    this.ws = undefined;
    const inMs = backoffDelay(this.attempt++);
    this.events.onStatus({ state: 'reconnecting', inMs, reason });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.connect(), inMs);
  }

  private subscribe(): void {
    this.send({ type: 'subscribe', queues: '*', windows: SUBSCRIBED_WINDOWS, id: 'wallboard' });
  }

  private receive(data: unknown): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(data)) as ServerFrame;
    } catch {
      return;
    }
    if (frame.type === 'hello') {
      this.attempt = 0;
      this.epoch = frame.epoch;
      this.lastSeq = 0;
      this.events.onStatus({ state: 'open' });
      this.events.onHello({ tenantId: frame.tenantId, role: frame.role });
      this.subscribe();
      return;
    }
    if (frame.type === 'snapshot' || frame.type === 'kpi' || frame.type === 'alert') {
      // The resync rule: a gap or another epoch means our state is not the server's; a fresh
      // snapshot (the answer to subscribe) is the new baseline.
      const gap = frame.seq !== this.lastSeq + 1 || frame.epoch !== this.epoch;
      this.lastSeq = frame.seq;
      if (gap && frame.type !== 'snapshot') {
        this.epoch = frame.epoch;
        this.subscribe();
      }
    }
    this.events.onFrame(frame);
  }
}
