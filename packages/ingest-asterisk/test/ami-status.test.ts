import { describe, expect, it } from 'vitest';
import { validateEvent, type CanonicalEvent } from '@callboard/events';
import { createAmiMapper, parseAmiMessage, type AmiMapper, type AsteriskMapperOptions } from '../src/index.js';
import { fixture, OPTS } from './helpers.js';

/** 08:00:00 UTC on the capture's day, in epoch seconds. */
const T0 = 1764576000;
const READ_AT = (T0 + 600) * 1000; // 08:10:00, the adapter's clock when the status is read

type AgentEvent = Extract<CanonicalEvent, { type: 'agent.state_changed' }>;

/** A mapper whose clock the test moves. */
function clocked(opts: AsteriskMapperOptions = { ...OPTS, wrapUpMs: (q) => (q === 'support' ? 10_000 : 0) }) {
  const clock = { now: T0 * 1000 };
  return { clock, opts: { ...opts, clock: () => clock.now } };
}

/** The messages of a recorded QueueStatus answer (Response, list events, QueueStatusComplete). */
function statusRead(version: 16 | 18 | 22, actionId = 'callboard-status-1'): Record<string, string>[] {
  return fixture(`ami-queuestatus-${version}.txt`)
    .split('\r\n\r\n')
    .filter((b) => b.trim().length > 0)
    .map(parseAmiMessage)
    .map((m) => (m.ActionID === undefined ? m : { ...m, ActionID: actionId }));
}

/** What the adapter saw before it lost AMI: four members added, 1002 paused in sales and on a support call. */
function live(mapper: AmiMapper, clock: { now: number }): AgentEvent[] {
  const member = (sec: number, event: string, queue: string, name: string, paused = '0'): Record<string, string> => ({
    Event: event,
    Privilege: 'agent,all',
    Timestamp: `${T0 + sec}.000100`,
    Queue: queue,
    MemberName: name,
    Interface: name,
    Status: '1',
    InCall: '0',
    Paused: paused,
    PausedReason: '',
  });
  const messages = [
    member(1, 'QueueMemberAdded', 'support', 'PJSIP/1001'),
    member(2, 'QueueMemberAdded', 'support', 'PJSIP/1002'),
    member(3, 'QueueMemberAdded', 'sales', 'PJSIP/1002', '1'),
    member(4, 'QueueMemberAdded', 'support', 'PJSIP/1003'),
    { Event: 'AgentConnect', Timestamp: `${T0 + 400}.000100`, Queue: 'support', Uniqueid: '1764576390.7', MemberName: 'PJSIP/1002', HoldTime: '10', Channel: 'PJSIP/1002-0001' },
  ];
  const out: AgentEvent[] = [];
  for (const m of messages) {
    clock.now = Math.floor(Number(m.Timestamp) * 1000);
    const o = mapper.map(m);
    expect(o.error).toBeUndefined();
    out.push(...o.events.filter((e): e is AgentEvent => e.type === 'agent.state_changed'));
  }
  return out;
}

function agentEvents(mapper: AmiMapper, messages: readonly Record<string, string>[]): { events: AgentEvent[]; errors: string[] } {
  const outcomes = messages.map((m) => mapper.map(m));
  const events = outcomes.flatMap((o) => o.events);
  for (const e of events) expect(validateEvent(e), JSON.stringify(e)).toMatchObject({ ok: true });
  return { events: events.filter((e): e is AgentEvent => e.type === 'agent.state_changed'), errors: outcomes.flatMap((o) => (o.error ? [o.error.code] : [])) };
}

const row = (e: AgentEvent) => [e.agentId, e.state, e.reason ?? '', e.queueIds.join(','), e.occurredAt.slice(11, 23)];

describe('AMI QueueStatus: catching up what changed while the adapter was away', () => {
  it.each([16, 18, 22] as const)('Asterisk %i: the read brings every member to what app_queue lists, and only the differences are emitted', (version) => {
    const { clock, opts } = clocked();
    const mapper = createAmiMapper(opts);
    expect(live(mapper, clock).map(row)).toEqual([
      ['PJSIP_2f1001', 'available', '', 'support', '08:00:01.000'],
      ['PJSIP_2f1002', 'available', '', 'support', '08:00:02.000'],
      ['PJSIP_2f1003', 'available', '', 'support', '08:00:04.000'],
      ['PJSIP_2f1002', 'on_call', '', 'sales,support', '08:06:40.000'],
    ]);
    clock.now = READ_AT;
    const { events, errors } = agentEvents(mapper, statusRead(version));
    expect(errors).toEqual([]);
    // 1002's member wrapuptime (22's fixture: 30 s) wins over the queue's 10 s; 16 and 18 write 0 there or nothing.
    const wrapEnd = version === 22 ? '08:10:25.000' : '08:10:05.000';
    expect(events.map(row)).toEqual([
      ['PJSIP_2f1001', 'away', 'lunch', 'support', '08:10:00.000'], // paused meanwhile
      ['PJSIP_2f1002', 'wrap_up', '', 'sales,support', '08:10:00.000'], // its AgentComplete was missed: LastCall 08:09:55
      ['PJSIP_2f1002', 'available', '', 'support', wrapEnd], // still paused in sales
      ['PJSIP_2f1004', 'available', '', 'sales', '08:10:00.000'], // added meanwhile
      ['PJSIP_2f1003', 'logged_out', '', '', '08:10:00.000'], // in no queue any more
    ]);
    expect(events.every((e) => e.eventId.startsWith('pbx1:') && e.eventId.includes(':ami-QueueStatus:'))).toBe(true);
    expect(new Set(events.map((e) => e.eventId)).size).toBe(events.length);

    // Read again five minutes later (the periodic drift check), nothing having changed: nothing to emit.
    clock.now = READ_AT + 300_000;
    expect(agentEvents(mapper, statusRead(version, 'callboard-status-2'))).toEqual({ events: [], errors: [] });
  });

  it('gives the same eventIds for the same read, also from a restored snapshot', () => {
    const run = (restore: boolean) => {
      const { clock, opts } = clocked();
      let mapper = createAmiMapper(opts);
      live(mapper, clock);
      if (restore) mapper = createAmiMapper(opts, JSON.parse(JSON.stringify(mapper.snapshot())));
      clock.now = READ_AT;
      return agentEvents(mapper, statusRead(18)).events;
    };
    const first = run(false);
    expect(first.length).toBe(5);
    expect(run(false)).toEqual(first);
    expect(run(true)).toEqual(first);
  });

  it('a first read after a restart with an empty state emits every member once', () => {
    const { clock, opts } = clocked();
    const mapper = createAmiMapper(opts);
    clock.now = READ_AT;
    expect(agentEvents(mapper, statusRead(18)).events.map(row)).toEqual([
      ['PJSIP_2f1001', 'away', 'lunch', 'support', '08:10:00.000'],
      ['PJSIP_2f1002', 'wrap_up', '', 'sales,support', '08:10:00.000'],
      ['PJSIP_2f1002', 'available', '', 'support', '08:10:05.000'],
      ['PJSIP_2f1004', 'available', '', 'sales', '08:10:00.000'],
    ]);
  });

  it('places the read on Asterisk clock as the latest Timestamp tells it, never before the latest live event', () => {
    // The adapter's clock is 2 s behind Asterisk's.
    const { clock, opts } = clocked();
    const mapper = createAmiMapper(opts);
    mapper.map({ Event: 'QueueMemberAdded', Timestamp: `${T0 + 1}.000000`, Queue: 'support', MemberName: 'PJSIP/1001', Status: '1', Paused: '0' });
    clock.now = (T0 + 1) * 1000 - 2000;
    mapper.map({ Event: 'QueueMemberAdded', Timestamp: `${T0 + 1}.000000`, Queue: 'support', MemberName: 'PJSIP/1009', Status: '1', Paused: '0' });
    clock.now = READ_AT - 2000;
    const at = agentEvents(mapper, statusRead(18)).events.map((e) => e.occurredAt);
    expect(at[0]).toBe(new Date(READ_AT).toISOString());
    // A clock far behind every event seen: 1 ms after the newest one, so the store's latest-by-time keeps the read.
    const behind = createAmiMapper(opts);
    clock.now = T0 * 1000;
    behind.map({ Event: 'QueueMemberAdded', Queue: 'support', MemberName: 'PJSIP/1001', Status: '1', Paused: '0' });
    clock.now = T0 * 1000 - 60_000;
    expect(agentEvents(behind, statusRead(18)).events[0]?.occurredAt).toBe(new Date(T0 * 1000 + 1).toISOString());
  });

  it('leaves a member alone whose live event came while the read was under way (the live event is newer)', () => {
    const { clock, opts } = clocked();
    const mapper = createAmiMapper(opts);
    live(mapper, clock);
    clock.now = READ_AT;
    const read = statusRead(18);
    const unpause = { Event: 'QueueMemberPause', Timestamp: `${T0 + 600}.5`, Queue: 'support', MemberName: 'PJSIP/1001', Paused: '0' };
    const { events } = agentEvents(mapper, [...read.slice(0, 4), unpause, ...read.slice(4)]);
    expect(events.filter((e) => e.agentId === 'PJSIP_2f1001')).toEqual([]);
    expect(events.map((e) => e.agentId)).toEqual(['PJSIP_2f1002', 'PJSIP_2f1002', 'PJSIP_2f1004', 'PJSIP_2f1003']);
  });

  it('applies only a whole read: a read cut off by a reconnect is dropped, a short or unreadable one is an error', () => {
    const { clock, opts } = clocked();
    const mapper = createAmiMapper(opts);
    live(mapper, clock);
    clock.now = READ_AT;
    // The connection dropped after three lines of read 1; read 2 is whole.
    const cut = statusRead(18, 'callboard-status-1').slice(0, 3);
    expect(agentEvents(mapper, [...cut, ...statusRead(18, 'callboard-status-2')]).events).toHaveLength(5);

    const fresh = clocked();
    const m2 = createAmiMapper(fresh.opts);
    live(m2, fresh.clock);
    fresh.clock.now = READ_AT;
    const read = statusRead(18);
    const short = read.filter((m) => m.Event !== 'QueueEntry');
    const shortOut = agentEvents(m2, short);
    expect(shortOut).toEqual({ events: [], errors: ['CB_ASTERISK_AMI_INVALID'] });
    const nameless = read.map((m) => (m.Event === 'QueueMember' && m.Name === 'PJSIP/1004' ? { ...m, Name: '', Location: '' } : m));
    expect(agentEvents(m2, nameless)).toEqual({ events: [], errors: ['CB_ASTERISK_AMI_INVALID', 'CB_ASTERISK_AMI_INVALID'] });
    // Nothing was applied: the next whole read still finds every change.
    expect(agentEvents(m2, statusRead(18, 'callboard-status-3')).events).toHaveLength(5);
  });

  it('a queue with no members, or no queue at all, logs every member out', () => {
    const { clock, opts } = clocked();
    const mapper = createAmiMapper(opts);
    live(mapper, clock);
    clock.now = READ_AT;
    const empty: Record<string, string>[] = [
      { Response: 'Success', ActionID: 'x', EventList: 'start', Message: 'Queue status will follow' },
      { Event: 'QueueStatusComplete', ActionID: 'x', EventList: 'Complete', ListItems: '0' },
    ];
    expect(agentEvents(mapper, empty).events.map((e) => [e.agentId, e.state])).toEqual([
      ['PJSIP_2f1001', 'logged_out'],
      ['PJSIP_2f1002', 'logged_out'],
      ['PJSIP_2f1003', 'logged_out'],
    ]);
  });
});
