import { Writable } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRootLogger } from '@callboard/runtime';
import { AmiClient, AmiFramer } from '../src/ami-client.js';
import { amiText, startAmiPeer, type AmiPeer } from './ami-peer.js';
import { waitFor } from '../../../test/helpers/wait.js';

const SECRET = 's3cret-never-logged';
const RECORDED = amiText([
  { Event: 'FullyBooted', Privilege: 'system,all', Uptime: '100', LastReload: '100', Status: 'Fully Booted' },
  { Event: 'QueueMemberStatus', Privilege: 'agent,all', Queue: 'support', MemberName: 'PJSIP/1001', Interface: 'PJSIP/1001', InCall: '0', Status: '1', Paused: '0' },
  { Event: 'QueueMemberPause', Privilege: 'agent,all', Queue: 'support', MemberName: 'PJSIP/1001', Interface: 'PJSIP/1001', Paused: '1', PausedReason: 'lunch' },
  { Event: 'QueueCallerJoin', Privilege: 'agent,all', Queue: 'support', Uniqueid: '1764576100.1', CallerIDNum: '5550101', Position: '1', Count: '1' },
]);

function capturedLogger(): { logger: ReturnType<typeof createRootLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createRootLogger({ name: 'test', level: 'debug', destination }), lines };
}

describe('AmiFramer', () => {
  it('gives the banner once and whole messages, however the bytes are cut', () => {
    const stream = `Asterisk Call Manager/9.0.0\r\nResponse: Success\r\nActionID: a\r\n\r\n${RECORDED}Event: Half`;
    const whole = new AmiFramer().push(Buffer.from(stream));
    expect(whole.banner).toBe('Asterisk Call Manager/9.0.0');
    expect(whole.blocks).toHaveLength(5);
    const framer = new AmiFramer();
    const blocks: string[] = [];
    const bytes = Buffer.from(stream);
    for (let i = 0; i < bytes.length; i += 3) blocks.push(...framer.push(bytes.subarray(i, i + 3)).blocks);
    expect(blocks).toEqual(whole.blocks);
  });

  it('accepts bare LF line ends', () => {
    const { blocks } = new AmiFramer().push(Buffer.from('Asterisk Call Manager/2.10.4\nEvent: A\nX: 1\n\nEvent: B\n\n'));
    expect(blocks.map((b) => b.split('\r\n')[0])).toEqual(['Event: A\nX: 1', 'Event: B']);
  });
});

describe('AmiClient against a peer replaying recorded AMI text', () => {
  let peer: AmiPeer | undefined;
  let client: AmiClient | undefined;
  afterEach(async () => {
    await client?.close();
    await peer?.close();
    client = undefined;
    peer = undefined;
  });

  it('logs in with Events: on and hands every event on in order; the login answer is not an event', async () => {
    peer = await startAmiPeer({ username: 'callboard', secret: SECRET, events: RECORDED });
    const events: Record<string, string>[] = [];
    const { logger, lines } = capturedLogger();
    const connections: boolean[] = [];
    client = new AmiClient({ host: '127.0.0.1', port: peer.port, username: 'callboard', secret: SECRET, logger, onEvent: async (m) => void events.push(m), onConnection: (c) => connections.push(c) });
    client.start();
    await waitFor('four events', () => (events.length === 4 ? true : undefined), 10_000, 10);
    expect(events.map((e) => e.Event)).toEqual(['FullyBooted', 'QueueMemberStatus', 'QueueMemberPause', 'QueueCallerJoin']);
    expect(events[2]).toMatchObject({ Queue: 'support', MemberName: 'PJSIP/1001', Paused: '1', PausedReason: 'lunch' });
    expect(client.connected).toBe(true);
    expect(connections).toEqual([true]);
    expect(peer.received).toMatch(/^Action: Login\r\n/);
    expect(peer.received).toContain('Events: on\r\n');
    expect(lines.join('')).not.toContain(SECRET);
  });

  it('a refused login is retried with backoff, never logged in, and the secret is never logged', async () => {
    peer = await startAmiPeer({ username: 'callboard', secret: 'the-right-one', events: RECORDED });
    const events: Record<string, string>[] = [];
    const { logger, lines } = capturedLogger();
    client = new AmiClient({ host: '127.0.0.1', port: peer.port, username: 'callboard', secret: SECRET, logger, onEvent: async (m) => void events.push(m), initialDelayMs: 20, maxDelayMs: 50 });
    client.start();
    await waitFor('three refused logins', () => (peer!.logins.length >= 3 ? true : undefined), 10_000, 10);
    expect(peer.logins.every((l) => !l.ok)).toBe(true);
    expect(events).toEqual([]);
    expect(client.connected).toBe(false);
    const log = lines.join('');
    expect(log).toContain('CB_ASTERISK_AMI_UNAVAILABLE');
    expect(log).toContain('Authentication failed');
    expect(log).not.toContain(SECRET);
  });

  it('reconnects and logs in again when the peer drops the connection (a PBX restart)', async () => {
    peer = await startAmiPeer({ username: 'callboard', secret: SECRET, events: RECORDED });
    const events: Record<string, string>[] = [];
    const connections: boolean[] = [];
    client = new AmiClient({ host: '127.0.0.1', port: peer.port, username: 'callboard', secret: SECRET, logger: capturedLogger().logger, onEvent: async (m) => void events.push(m), onConnection: (c) => connections.push(c), initialDelayMs: 20, maxDelayMs: 50 });
    client.start();
    await waitFor('the first session', () => (events.length === 4 ? true : undefined), 10_000, 10);
    peer.dropAll();
    await waitFor('the second session', () => (events.length === 8 ? true : undefined), 10_000, 10);
    expect(connections).toEqual([true, false, true]);
    expect(peer.logins.map((l) => l.ok)).toEqual([true, true]);
  });

  it('reads QueueStatus right after every login, each read with its own ActionID, and hands the list on', async () => {
    const member = { Event: 'QueueMember', Queue: 'support', Name: 'PJSIP/1001', Location: 'PJSIP/1001', InCall: '0', Status: '1', Paused: '0', PausedReason: '' };
    peer = await startAmiPeer({ username: 'callboard', secret: SECRET, events: '', status: () => [{ Event: 'QueueParams', Queue: 'support' }, member] });
    const events: Record<string, string>[] = [];
    // The periodic read is an hour away: every read here follows a login.
    client = new AmiClient({ host: '127.0.0.1', port: peer.port, username: 'callboard', secret: SECRET, logger: capturedLogger().logger, onEvent: async (m) => void events.push(m), initialDelayMs: 20, maxDelayMs: 50, resyncMs: 3_600_000 });
    client.start();
    await waitFor('the first answer handed on', () => (events.some((e) => e.Event === 'QueueStatusComplete') ? true : undefined), 10_000, 10);
    expect(peer.received).toBe(`${peer.received.slice(0, peer.received.indexOf('\r\n\r\n') + 4)}Action: QueueStatus\r\nActionID: callboard-status-1\r\n\r\n`);
    expect(peer.received).toMatch(/^Action: Login\r\n/);
    peer.dropAll();
    await waitFor('the second answer handed on', () => (events.filter((e) => e.Event === 'QueueStatusComplete').length === 2 ? true : undefined), 10_000, 10);
    expect(peer.statusRequests).toEqual(['callboard-status-1', 'callboard-status-2']);
    expect(events.map((e) => [e.Event, e.ActionID])).toEqual([
      ['QueueParams', 'callboard-status-1'],
      ['QueueMember', 'callboard-status-1'],
      ['QueueStatusComplete', 'callboard-status-1'],
      ['QueueParams', 'callboard-status-2'],
      ['QueueMember', 'callboard-status-2'],
      ['QueueStatusComplete', 'callboard-status-2'],
    ]);
    expect(events[1]).toMatchObject({ Name: 'PJSIP/1001', Paused: '0' });
  });

  it('reads QueueStatus again every resyncMs while logged in (the drift check)', async () => {
    // The resync is a setInterval: faked, so the test moves its clock and can count what is left after close.
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      peer = await startAmiPeer({ username: 'callboard', secret: SECRET, events: '', status: () => [] });
      client = new AmiClient({ host: '127.0.0.1', port: peer.port, username: 'callboard', secret: SECRET, logger: capturedLogger().logger, onEvent: async () => undefined, resyncMs: 50 });
      client.start();
      await waitFor(
        'four reads in one session',
        () => {
          vi.advanceTimersByTime(50);
          return peer!.statusRequests.length >= 4 ? true : undefined;
        },
        10_000,
        10,
      );
      expect(peer.logins).toHaveLength(1);
      await client.close();
      // No resync timer left running after close, and moving the clock on asks for nothing more.
      expect(vi.getTimerCount()).toBe(0);
      const after = peer.statusRequests.length;
      vi.advanceTimersByTime(1_000);
      expect(peer.statusRequests.length).toBe(after);
    } finally {
      vi.useRealTimers();
    }
  });

  it('logs a refused QueueStatus and stays connected', async () => {
    peer = await startAmiPeer({ username: 'callboard', secret: SECRET, events: '', status: () => [], statusRefusal: 'Permission denied' });
    const { logger, lines } = capturedLogger();
    client = new AmiClient({ host: '127.0.0.1', port: peer.port, username: 'callboard', secret: SECRET, logger, onEvent: async () => undefined });
    client.start();
    await waitFor('the refusal logged', () => (lines.some((l) => l.includes('AMI refused QueueStatus')) ? true : undefined), 10_000, 10);
    expect(lines.join('')).toContain('Permission denied');
    expect(client.connected).toBe(true);
  });

  it('keeps trying while nothing listens, and closes cleanly meanwhile', async () => {
    const { logger, lines } = capturedLogger();
    client = new AmiClient({ host: '127.0.0.1', port: 1, username: 'callboard', secret: SECRET, logger, onEvent: async () => undefined, initialDelayMs: 10, maxDelayMs: 20 });
    client.start();
    await waitFor('two failed attempts', () => (lines.filter((l) => l.includes('reconnecting')).length >= 2 ? true : undefined), 10_000, 10);
    await client.close();
    expect(client.connected).toBe(false);
  });
});
