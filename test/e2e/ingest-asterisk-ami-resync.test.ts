import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '@callboard/events';
import { createAsteriskIngest } from '@callboard/ingest-asterisk-service';
import { createMetricsRegistry, type Registry } from '@callboard/runtime';
import { startAmiPeer, type AmiPeer } from '../../services/ingest-asterisk/test/ami-peer.js';
import { createTestStack, readTopicsToEnd, type TestStack } from '../helpers/infra.js';
import { waitFor } from '../helpers/wait.js';

type AgentEvent = Extract<CanonicalEvent, { type: 'agent.state_changed' }>;

/** AMI agent events the adapter has produced and Kafka acknowledged (its own counter). */
async function producedAgentEvents(metrics: Registry): Promise<number> {
  const m = /callboard_asterisk_events_produced_total\{type="agent\.state_changed",feed="ami",service="test"\} (\d+)/.exec(await metrics.metrics());
  return m ? Number(m[1]) : 0;
}

/**
 * Brief F of issue 10: AMI replays nothing, so after a reconnect the adapter reads QueueStatus and emits what changed
 * while it was away, and only that. One Kafka round trip: the agent topic is read once, at the end.
 */
describe('ingest-asterisk: AMI member states caught up after a reconnect, through the real Kafka', () => {
  let stack: TestStack;
  let dir: string;
  beforeAll(async () => {
    stack = await createTestStack('ast-resync');
    dir = await mkdtemp(join(tmpdir(), 'cb-ami-resync-'));
  });
  afterAll(async () => {
    await stack?.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('a pause made while disconnected is emitted once on reconnect; a reconnect with nothing changed emits nothing', async () => {
    // What app_queue would list right now; the test changes it while the adapter is disconnected.
    const members = { 'PJSIP/2001': { paused: '0', reason: '' }, 'PJSIP/2002': { paused: '1', reason: 'training' } };
    const status = () => [
      { Event: 'QueueParams', Queue: 'support', Max: '0', Strategy: 'ringall', Calls: '0', Completed: '0', Abandoned: '0' },
      ...Object.entries(members).map(([name, m]) => ({
        Event: 'QueueMember',
        Queue: 'support',
        Name: name,
        Location: name,
        StateInterface: name,
        Membership: 'dynamic',
        LastCall: '0',
        InCall: '0',
        Status: '1',
        Paused: m.paused,
        PausedReason: m.reason,
        Wrapuptime: '0',
      })),
    ];
    const secret = 'ami-secret-resync-0123';
    const peer: AmiPeer = await startAmiPeer({ username: 'callboard', secret, events: '', status });
    const metrics = createMetricsRegistry('test');
    const queueLog = join(dir, 'queue_log');
    await writeFile(queueLog, '');
    const ingest = createAsteriskIngest({
      kafka: stack.kafka,
      codec: stack.codec,
      logger: stack.logger,
      metrics,
      queueLog,
      stateDir: join(dir, 'state'),
      mapping: { tenantId: 'ast-resync', serverId: 'pbx-resync' },
      ami: { host: '127.0.0.1', port: peer.port, username: 'callboard', secret, resyncMs: 3_600_000 },
      pollMs: 50,
      retry: { initialDelayMs: 20, maxDelayMs: 100 },
    });
    const produced = (n: number) => async () => ((await producedAgentEvents(metrics)) === n ? true : undefined);
    let droppedAt = 0;
    await ingest.start();
    try {
      // 1. The first read after login: both members as they are (nothing was known before).
      await waitFor('the first read produced', produced(2), 30_000, 50);
      // 2. The connection drops; 2001 pauses before the adapter is back (same tick: no read can see it earlier).
      peer.dropAll();
      droppedAt = Date.now();
      members['PJSIP/2001'] = { paused: '1', reason: 'break' };
      await waitFor('the missed pause produced', produced(3), 30_000, 50);
      // 3. Drops again; nothing changes: the read after the third login finds no difference.
      const reads = peer.statusRequests.length;
      peer.dropAll();
      await waitFor('a read after the third login', () => (peer.logins.length === 3 && peer.statusRequests.length > reads ? true : undefined), 30_000, 20);
      expect(await producedAgentEvents(metrics)).toBe(3);
      // 4. Drops once more and 2002 comes back meanwhile: its read emits that (and, being later on the same
      //    session, proves the third read emitted nothing).
      peer.dropAll();
      members['PJSIP/2002'] = { paused: '0', reason: '' };
      await waitFor('the missed unpause produced', produced(4), 30_000, 50);
    } finally {
      await ingest.close();
      await peer.close();
    }
    expect(peer.logins.map((l) => l.ok)).toEqual([true, true, true, true]);
    // One read per login (the periodic read is an hour away here).
    expect(peer.statusRequests).toEqual(['callboard-status-1', 'callboard-status-2', 'callboard-status-3', 'callboard-status-4']);

    const held = await readTopicsToEnd(stack, [stack.topology.agentEvents.name]);
    const events = held.map((r) => r.event as AgentEvent);
    // The topic is keyed by agentId: each member's events in order on its partition.
    const of = (agentId: string) => events.filter((e) => e.agentId === agentId).map((e) => [e.state, e.reason ?? '', e.queueIds.join(',')]);
    expect(events).toHaveLength(4);
    expect(of('PJSIP_2f2001')).toEqual([
      ['available', '', 'support'],
      ['away', 'break', 'support'], // the change made while disconnected, exactly once
    ]);
    expect(of('PJSIP_2f2002')).toEqual([
      ['away', 'training', 'support'],
      ['available', '', 'support'], // missed during the fourth gap
    ]);
    const missed = events.filter((e) => e.agentId === 'PJSIP_2f2001')[1]!;
    // The missed change is dated when the status was read: after the drop, its true time being unknown.
    expect(Date.parse(missed.occurredAt)).toBeGreaterThanOrEqual(droppedAt);
    for (const e of events) {
      expect(e).toMatchObject({ tenantId: 'ast-resync', source: 'asterisk:pbx-resync' });
      expect(e.eventId).toMatch(/^pbx-resync:PJSIP_2f200\d@\d+:ami-QueueStatus:[0-9a-f]{8}$/);
    }
    expect(new Set(events.map((e) => e.eventId)).size).toBe(4);
    // Every read had its own ActionID.
    expect(new Set(peer.statusRequests).size).toBe(peer.statusRequests.length);
  }, 120_000);
});
