import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Asterisk's manager port that replays recorded AMI text (a fake peer is allowed for
 * AMI only, issue 10): it sends the banner, answers `Action: Login` with Success when the secret is
 * right (Error otherwise), then writes the recorded events in small pieces. With `status`, it answers
 * `Action: QueueStatus` as app_queue does: the Response, then the list `status()` gives for that moment,
 * each message carrying the request's ActionID.
 */
export interface AmiPeer {
  port: number;
  /** Logins seen, right or wrong. */
  logins: { username: string; ok: boolean }[];
  /** Every byte clients sent, to check what went over the wire. */
  received: string;
  /** The ActionIDs of the QueueStatus actions received, in order. */
  statusRequests: string[];
  /** Drops every open connection (a PBX restart). */
  dropAll(): void;
  close(): Promise<void>;
}

function field(block: string, key: string): string | undefined {
  const m = new RegExp(`^${key}: ?(.*)$`, 'mi').exec(block);
  return m?.[1]?.replace(/\r$/, '');
}

/** AMI text as Asterisk 20 writes it: CRLF line ends, a blank line after each message. */
export function amiText(messages: readonly Record<string, string>[]): string {
  return messages.map((m) => `${Object.entries(m).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`).join('');
}

/**
 * The answer to one QueueStatus as app_queue writes it (Asterisk 12+): Response with EventList start, the list
 * messages, QueueStatusComplete with ListItems; `ActionID` added to each.
 */
export function queueStatusText(actionId: string, list: readonly Record<string, string>[]): string {
  return amiText([
    { Response: 'Success', ActionID: actionId, EventList: 'start', Message: 'Queue status will follow' },
    ...list.map((m) => ({ ...m, ActionID: actionId })),
    { Event: 'QueueStatusComplete', ActionID: actionId, EventList: 'Complete', ListItems: String(list.length) },
  ]);
}

export interface AmiPeerOptions {
  username: string;
  secret: string;
  /** What is sent after each login: the same text each time, or by session (1 for the first login). */
  events: string | ((session: number) => string);
  chunkBytes?: number;
  /** The QueueParams/QueueMember/QueueEntry list at the moment a QueueStatus comes; absent: QueueStatus is ignored. */
  status?: () => readonly Record<string, string>[];
  /** Refuse QueueStatus with this Message instead (a manager.conf user without the right). */
  statusRefusal?: string;
}

export async function startAmiPeer(options: AmiPeerOptions): Promise<AmiPeer> {
  const sockets = new Set<Socket>();
  const peer: AmiPeer = {
    port: 0,
    logins: [],
    received: '',
    statusRequests: [],
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        peer.dropAll();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write('Asterisk Call Manager/9.0.0\r\n');
    let input = '';
    socket.on('data', (d: Buffer) => {
      peer.received += d.toString('utf8');
      input += d.toString('utf8');
      for (let end = input.indexOf('\r\n\r\n'); end !== -1; end = input.indexOf('\r\n\r\n')) {
        const block = input.slice(0, end);
        input = input.slice(end + 4);
        if (field(block, 'Action')?.toLowerCase() === 'queuestatus' && options.status) {
          const actionId = field(block, 'ActionID') ?? '';
          peer.statusRequests.push(actionId);
          if (options.statusRefusal !== undefined) socket.write(`Response: Error\r\nActionID: ${actionId}\r\nMessage: ${options.statusRefusal}\r\n\r\n`);
          else socket.write(queueStatusText(actionId, options.status()));
          continue;
        }
        if (field(block, 'Action')?.toLowerCase() !== 'login') continue;
        const ok = field(block, 'Username') === options.username && field(block, 'Secret') === options.secret;
        peer.logins.push({ username: field(block, 'Username') ?? '', ok });
        const actionId = field(block, 'ActionID');
        const id = actionId === undefined ? '' : `ActionID: ${actionId}\r\n`;
        if (!ok) {
          socket.write(`Response: Error\r\n${id}Message: Authentication failed\r\n\r\n`);
          continue;
        }
        socket.write(`Response: Success\r\n${id}Message: Authentication accepted\r\n\r\n`);
        // The recorded events in small pieces, so messages straddle TCP reads.
        const size = options.chunkBytes ?? 37;
        const events = typeof options.events === 'string' ? options.events : options.events(peer.logins.filter((l) => l.ok).length);
        for (let i = 0; i < events.length; i += size) socket.write(events.slice(i, i + size));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  peer.port = (server.address() as AddressInfo).port;
  return peer;
}
