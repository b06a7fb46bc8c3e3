import { connect, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { backoffDelay, CallboardError } from '@callboard/errors';
import { parseAmiMessage } from '@callboard/ingest-asterisk';
import type { Logger } from '@callboard/runtime';
import { AMI_RESYNC_DEFAULT_MS, type AmiConfig } from './config.js';

export interface AmiClientOptions extends AmiConfig {
  logger: Logger;
  /** Each event AMI sends, in order; the next is not read before the promise settles (back-pressure on the socket). */
  onEvent: (message: Record<string, string>) => Promise<void>;
  /** Told whenever the login succeeds (true) or the connection is lost (false). */
  onConnection?: (connected: boolean) => void;
  /** Reconnect delays: exponential with jitter, from `initialDelayMs` up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  connectTimeoutMs?: number;
}

const LOGIN_ACTION_ID = 'callboard-login';
const STATUS_ACTION_ID = 'callboard-status-';

/** A field of an AMI message, whatever the case of its key. */
export function amiField(message: Record<string, string>, key: string): string | undefined {
  if (key in message) return message[key];
  const lower = key.toLowerCase();
  for (const [k, v] of Object.entries(message)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/**
 * Splits an AMI byte stream into messages: a banner line (`Asterisk Call Manager/…`) first, then
 * blocks of `Key: Value` lines, each block ended by an empty line. Lines end in CRLF; a bare LF is
 * accepted too.
 */
export class AmiFramer {
  private buffer = '';
  private bannerSeen = false;
  private readonly decoder = new StringDecoder('utf8');

  /** The banner (once) and the whole message blocks the bytes complete. */
  push(chunk: Buffer): { banner?: string; blocks: string[] } {
    this.buffer += this.decoder.write(chunk);
    let banner: string | undefined;
    if (!this.bannerSeen) {
      const eol = this.buffer.indexOf('\n');
      if (eol === -1) return { blocks: [] };
      banner = this.buffer.slice(0, eol).replace(/\r$/, '');
      this.buffer = this.buffer.slice(eol + 1);
      this.bannerSeen = true;
    }
    const blocks: string[] = [];
    for (;;) {
      const end = /\r?\n\r?\n/.exec(this.buffer);
      if (!end) break;
      const block = this.buffer.slice(0, end.index);
      this.buffer = this.buffer.slice(end.index + end[0].length);
      if (block.trim() !== '') blocks.push(`${block}\r\n\r\n`);
    }
    return banner === undefined ? { blocks } : { banner, blocks };
  }
}

/**
 * A client of the Asterisk Manager Interface: TCP, `Action: Login` with `Events: on`, then every
 * event to `onEvent`. A lost connection or a refused login is retried with exponential backoff and
 * jitter until `close`; the secret goes to the socket only, never to a log line or an error.
 *
 * AMI does not replay what happened while no session was open, so after each login, and then every
 * `resyncMs` as a drift check, it asks for `Action: QueueStatus` with an ActionID of its own; the list
 * that answers it (QueueParams, QueueMember, QueueEntry, QueueStatusComplete) goes to `onEvent` like
 * any event, and the mapper catches the member states up from it.
 */
export class AmiClient {
  private socket: Socket | undefined;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private loggedIn = false;
  private statusReads = 0;
  private resyncTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(private readonly options: AmiClientOptions) {
    this.log = options.logger.child({ module: 'ami', host: options.host, port: options.port });
  }

  get connected(): boolean {
    return this.loggedIn;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.resyncTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (!socket || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      if (this.loggedIn) socket.end('Action: Logoff\r\n\r\n');
      socket.destroySoon();
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  }

  private connect(): void {
    const { host, port } = this.options;
    const socket = connect({ host, port, timeout: this.options.connectTimeoutMs ?? 10_000 });
    this.socket = socket;
    socket.setKeepAlive(true, 30_000);
    const framer = new AmiFramer();
    let queue: Promise<void> = Promise.resolve();
    let failure: CallboardError | undefined;
    socket.on('connect', () => socket.setTimeout(0));
    socket.on('timeout', () => {
      failure = new CallboardError('CB_ASTERISK_AMI_UNAVAILABLE', `AMI ${host}:${port}: no answer within the connect timeout`, { retriable: true });
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      const { banner, blocks } = framer.push(chunk);
      if (banner !== undefined) {
        if (!banner.startsWith('Asterisk Call Manager')) this.log.warn({ banner }, 'unexpected AMI banner; logging in anyway');
        socket.write(`Action: Login\r\nActionID: ${LOGIN_ACTION_ID}\r\nUsername: ${this.options.username}\r\nSecret: ${this.options.secret}\r\nEvents: on\r\n\r\n`);
      }
      if (blocks.length === 0) return;
      // One message at a time, in order: the socket pauses while a batch is handled.
      socket.pause();
      queue = queue
        .then(async () => {
          for (const block of blocks) {
            if (socket.destroyed) return;
            await this.handle(parseAmiMessage(block), socket, (f) => (failure = f));
          }
        })
        .catch((err: unknown) => {
          failure = new CallboardError('CB_ASTERISK_AMI_UNAVAILABLE', `AMI ${host}:${port}: handling an event failed: ${(err as Error).message}`, { cause: err, retriable: true });
          socket.destroy();
        })
        .finally(() => {
          if (!socket.destroyed) socket.resume();
        });
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      failure ??= new CallboardError('CB_ASTERISK_AMI_UNAVAILABLE', `AMI ${host}:${port}: ${err.code ?? err.message}`, { cause: err, retriable: true });
    });
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      clearInterval(this.resyncTimer);
      const wasLoggedIn = this.loggedIn;
      this.loggedIn = false;
      if (wasLoggedIn) this.options.onConnection?.(false);
      if (this.stopped) return;
      const err = failure ?? new CallboardError('CB_ASTERISK_AMI_UNAVAILABLE', `AMI ${host}:${port}: connection closed by the peer`, { retriable: true });
      const delayMs = backoffDelay(this.attempt, { initialDelayMs: this.options.initialDelayMs ?? 500, maxDelayMs: this.options.maxDelayMs ?? 30_000 });
      this.attempt += 1;
      this.log.warn({ code: err.code, reason: err.message, attempt: this.attempt, delayMs }, 'AMI unavailable; reconnecting');
      this.timer = setTimeout(() => this.connect(), delayMs);
    });
  }

  private async handle(message: Record<string, string>, socket: Socket, fail: (err: CallboardError) => void): Promise<void> {
    if (!this.loggedIn && amiField(message, 'ActionID') === LOGIN_ACTION_ID) {
      if (amiField(message, 'Response')?.toLowerCase() === 'success') {
        this.loggedIn = true;
        this.attempt = 0;
        this.log.info('logged in to AMI');
        this.options.onConnection?.(true);
        this.requestStatus(socket);
        const resyncMs = this.options.resyncMs ?? AMI_RESYNC_DEFAULT_MS;
        clearInterval(this.resyncTimer);
        this.resyncTimer = setInterval(() => this.requestStatus(socket), resyncMs);
        this.resyncTimer.unref();
      } else {
        // AMI's own words ("Authentication failed"); the secret is not in them.
        fail(new CallboardError('CB_ASTERISK_AMI_UNAVAILABLE', `AMI ${this.options.host}:${this.options.port} refused the login of ${this.options.username}: ${amiField(message, 'Message') ?? 'no reason given'}`, { retriable: true }));
        socket.destroy();
      }
      return;
    }
    const actionId = amiField(message, 'ActionID');
    const response = amiField(message, 'Response');
    if (response !== undefined && actionId?.startsWith(STATUS_ACTION_ID) && response.toLowerCase() !== 'success') {
      // The agent states stay as the live events left them until the next read.
      this.log.warn({ actionId, message: amiField(message, 'Message') }, 'AMI refused QueueStatus; member states are not caught up');
    }
    if (this.loggedIn && amiField(message, 'Event') !== undefined) await this.options.onEvent(message);
  }

  /** Asks for every queue's members (no Queue/Member filter: a member absent from the answer is in no queue). */
  private requestStatus(socket: Socket): void {
    if (socket.destroyed || !this.loggedIn) return;
    this.statusReads += 1;
    const actionId = `${STATUS_ACTION_ID}${this.statusReads}`;
    this.log.debug({ actionId }, 'reading the queue status');
    socket.write(`Action: QueueStatus\r\nActionID: ${actionId}\r\n\r\n`);
  }
}
