import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { validateEvent, type CanonicalEvent } from '@callboard/events';
import { createQueueLogMapper, loadNameMap, parseQueueLogLine, type QueueLogLine } from '../src/index.js';
import { fixture, linesOf, OPTS, runQueueLog } from './helpers.js';

const WRAP = { ...OPTS, wrapUpMs: (queue: string) => (queue === 'support' ? 10_000 : 0) };
const FIXTURES = ['asterisk16.queue_log', 'asterisk18.queue_log', 'asterisk22.queue_log'];

function line(raw: string): QueueLogLine {
  const parsed = parseQueueLogLine(raw);
  if (!parsed.ok) throw parsed.error;
  return parsed.line;
}

function ofType<T extends CanonicalEvent['type']>(events: CanonicalEvent[], type: T): Extract<CanonicalEvent, { type: T }>[] {
  return events.filter((e): e is Extract<CanonicalEvent, { type: T }> => e.type === type);
}

describe('queue_log mapper: every fixture', () => {
  it.each(FIXTURES)('%s: every line maps or is skipped, and every event passes the contract', (name) => {
    const run = runQueueLog(fixture(name), WRAP);
    expect(run.errors).toEqual([]);
    expect(run.events.length).toBeGreaterThan(5);
    for (const event of run.events) {
      expect(validateEvent(event), JSON.stringify(event)).toMatchObject({ ok: true });
      expect(event.eventId.length).toBeLessThanOrEqual(128);
      expect(event).toMatchObject({ tenantId: 'acme', source: 'asterisk:pbx1' });
    }
    expect(new Set(run.events.map((e) => e.eventId)).size).toBe(run.events.length);
  });
});

describe('queue_log mapper: Asterisk 18 layout', () => {
  const run = runQueueLog(fixture('asterisk18.queue_log'), WRAP);

  it('maps calls: offered, answered with the holdtime, completed with the calltime and the queue wrap-up', () => {
    expect(ofType(run.events, 'call.offered')).toHaveLength(8);
    expect(ofType(run.events, 'call.offered')[0]).toMatchObject({ callId: 'pbx1:1764576100.1', queueId: 'support', channel: 'voice', direction: 'inbound', occurredAt: '2025-12-01T08:01:40.000Z' });
    expect(ofType(run.events, 'call.answered')[0]).toMatchObject({ callId: 'pbx1:1764576100.1', agentId: 'PJSIP_2f1002', waitMs: 12_000 });
    const completed = ofType(run.events, 'call.completed');
    expect(completed.map((e) => [e.callId, e.talkMs, e.holdMs, e.wrapMs, e.transferred])).toEqual([
      ['pbx1:1764576100.1', 78_000, 0, 10_000, false], // COMPLETECALLER
      ['pbx1:1764576300.4', 35_000, 0, 10_000, true], // BLINDTRANSFER exten|context|hold|call|pos
      ['pbx1:1764576800.8', 58_000, 0, 10_000, true], // ATTENDEDTRANSFER BRIDGE|id|hold|call|pos
      ['pbx1:1764576900.10', 60_000, 0, 10_000, false], // COMPLETEAGENT
    ]);
  });

  it('maps ABANDON to call.abandoned and the three exits to call.flowed_out with their reasons and waittimes', () => {
    expect(ofType(run.events, 'call.abandoned').map((e) => [e.callId, e.waitMs])).toEqual([['pbx1:1764576200.3', 9000]]);
    expect(ofType(run.events, 'call.flowed_out').map((e) => [e.queueId, e.reason, e.waitMs])).toEqual([
      ['sales', 'timeout', 60_000],
      ['support', 'exit_key', 3000],
      ['sales', 'other', 1000],
    ]);
  });

  it('keeps a call that times out of one queue and enters another as one callId with a visit per queue', () => {
    const visits = run.events.filter((e) => 'callId' in e && e.callId === 'pbx1:1764576300.4').map((e) => `${e.type}@${'queueId' in e ? e.queueId : ''}`);
    expect(visits).toEqual(['call.offered@sales', 'call.flowed_out@sales', 'call.offered@support', 'call.answered@support', 'call.completed@support']);
  });

  it('counts and skips what is not a queue fact, never as an error', () => {
    expect(run.skipped).toEqual(['QUEUESTART', 'DID', 'RINGNOANSWER', 'CONFIGRELOAD']);
  });

  it('derives callerKey by HMAC-SHA-256 of the caller number and never carries the number', () => {
    const offered = ofType(run.events, 'call.offered')[0]!;
    expect(offered.callerKey).toBe(createHmac('sha256', 'test-hmac-key').update('5550101').digest('hex'));
    expect(JSON.stringify(run.events)).not.toContain('5550101');
    const noKey = runQueueLog(fixture('asterisk18.queue_log'), { tenantId: 'acme', serverId: 'pbx1' });
    expect(ofType(noKey.events, 'call.offered').every((e) => e.callerKey === undefined)).toBe(true);
  });

  it('follows members: on_call at CONNECT, wrap_up at the end, available at +wrapuptime with a deterministic id', () => {
    const agent2 = ofType(run.events, 'agent.state_changed').filter((e) => e.agentId === 'PJSIP_2f1002');
    expect(agent2.slice(0, 4).map((e) => [e.occurredAt.slice(11, 19), e.state, e.queueIds.join(',')])).toEqual([
      ['08:00:01', 'available', 'support'], // ADDMEMBER support; then ADDMEMBER sales PAUSED changes nothing available
      ['08:01:52', 'on_call', 'sales,support'],
      ['08:03:10', 'wrap_up', 'sales,support'],
      ['08:03:20', 'available', 'support'], // still paused in sales
    ]);
    expect(agent2[3]!.eventId).toBe(`${agent2[2]!.eventId}:wrapend`);
  });

  it('maps PAUSE with its reason, UNPAUSE, PAUSEALL/UNPAUSEALL once (the per-queue lines after them change nothing) and REMOVEMEMBER', () => {
    const states = ofType(run.events, 'agent.state_changed');
    expect(states.find((e) => e.eventId.includes(':PAUSE:'))).toMatchObject({ agentId: 'PJSIP_2f1001', state: 'away', reason: 'lunch', queueIds: ['support'] });
    const after = states.filter((e) => e.agentId === 'PJSIP_2f1002' && e.occurredAt >= '2025-12-01T08:16:40.000Z');
    expect(after.map((e) => [e.state, e.queueIds.join(',')])).toEqual([
      ['away', 'sales,support'],
      ['available', 'sales,support'],
      ['available', 'support'],
    ]);
  });

  it('with agentStates: false emits the same call events and no agent event', () => {
    const quiet = runQueueLog(fixture('asterisk18.queue_log'), { ...WRAP, agentStates: false });
    expect(ofType(quiet.events, 'agent.state_changed')).toEqual([]);
    expect(quiet.events).toEqual(run.events.filter((e) => e.type !== 'agent.state_changed'));
  });
});

describe('queue_log mapper: Asterisk 16 and 20/22 variations', () => {
  it('16: ATTENDEDTRANSFER of the LINK and APP kinds, names with spaces and channels, a re-entry into the same queue', () => {
    const run = runQueueLog(fixture('asterisk16.queue_log'), OPTS);
    expect(ofType(run.events, 'call.completed').map((e) => [e.callId, e.agentId, e.talkMs, e.transferred])).toEqual([
      ['pbx1:1764662400.21', 'Local_2f2002_40agents_2fn', 120_000, true],
      ['pbx1:1764662600.23', 'Local_2f2002_40agents_2fn', 70_000, true],
      ['pbx1:1764662900.26~2', 'Local_2f2001_40agents_2fn', 60_000, false],
    ]);
    expect(new Set(run.events.filter((e) => 'queueId' in e).map((e) => (e as { queueId: string }).queueId))).toEqual(new Set(['billing_20queue']));
    // the anonymous caller has no callerKey; the re-entry is its own visit with its own ids
    expect(ofType(run.events, 'call.offered').map((e) => [e.callId, e.callerKey !== undefined])).toEqual([
      ['pbx1:1764662400.21', true],
      ['pbx1:1764662600.23', false],
      ['pbx1:1764662800.25', true],
      ['pbx1:1764662900.26', true],
      ['pbx1:1764662900.26~2', true],
    ]);
    expect(ofType(run.events, 'call.flowed_out')[0]).toMatchObject({ callId: 'pbx1:1764662900.26', reason: 'timeout', waitMs: 30_000 });
    expect(run.skipped).toEqual(['RINGNOANSWER', 'RINGCANCELED']);
  });

  it('22: a non-ASCII queue name, a URL before the caller id, the old TRANSFER layout, AGENTLOGIN/AGENTLOGOFF', () => {
    const run = runQueueLog(fixture('asterisk22.queue_log'), OPTS);
    const queueIds = new Set(ofType(run.events, 'call.offered').map((e) => e.queueId));
    expect(queueIds).toEqual(new Set(['_e5_ae_a2_e6_9c_8d']));
    expect(ofType(run.events, 'call.offered')[1]!.callerKey).toBe(createHmac('sha256', 'test-hmac-key').update('5550301').digest('hex'));
    expect(ofType(run.events, 'call.completed').map((e) => [e.talkMs, e.transferred])).toEqual([
      [60_000, false],
      [6000, true],
    ]);
    expect(ofType(run.events, 'agent.state_changed').map((e) => [e.state, e.queueIds.length])).toEqual([
      ['available', 0], // logged in, queues not known yet
      ['on_call', 1],
      ['available', 1],
      ['on_call', 1],
      ['available', 1],
      ['logged_out', 1],
    ]);
    expect(run.skipped).toEqual(['SYSCOMPAT']);
  });

  it('gives the two EXITEMPTY lines app_queue can write for one caller (wait_our_turn, then queue_exec) one eventId', () => {
    const mapper = createQueueLogMapper(OPTS);
    mapper.map(line('1764576600|1764576600.7|sales|NONE|ENTERQUEUE||5550105|2'));
    const first = mapper.map(line('1764576630|1764576600.7|sales|NONE|EXITEMPTY|2|2|30')).events;
    const second = mapper.map(line('1764576631|1764576600.7|sales|NONE|EXITEMPTY|1|2|31')).events;
    expect(second[0]!.eventId).toBe(first[0]!.eventId);
    expect(first[0]).toMatchObject({ type: 'call.flowed_out', reason: 'other', waitMs: 30_000 });
  });

  it('log_membername_as_agent = no: ADDMEMBER names the interface, CONNECT the member name; a mapping file joins them', () => {
    const lines = [
      '1764576001|MANAGER|support|PJSIP/1001|ADDMEMBER|',
      '1764576100|1764576100.1|support|NONE|ENTERQUEUE||5550101|1',
      '1764576112|1764576100.1|support|Alice|CONNECT|12|1764576106.2|6',
    ].join('\n');
    const apart = runQueueLog(lines, OPTS).events.filter((e) => e.type === 'agent.state_changed');
    expect(apart.map((e) => ('agentId' in e ? e.agentId : ''))).toEqual(['PJSIP_2f1001', 'Alice']);
    const names = loadNameMap({ agents: { 'PJSIP/1001': 'alice', Alice: 'alice' } });
    const joined = runQueueLog(lines, { ...OPTS, names }).events;
    expect(ofType(joined, 'call.answered')[0]!.agentId).toBe('alice');
    // one member record for both names: on a call in support, then back, never two alices
    const more = runQueueLog(`${lines}\n1764576190|1764576100.1|support|Alice|COMPLETECALLER|12|78|1\n1764576300|MANAGER|support|PJSIP/1001|REMOVEMEMBER|`, { ...OPTS, names });
    expect(ofType(more.events, 'agent.state_changed').map((e) => [e.agentId, e.state, e.queueIds.join(',')])).toEqual([
      ['alice', 'available', 'support'],
      ['alice', 'on_call', 'support'],
      ['alice', 'available', 'support'],
      ['alice', 'logged_out', ''],
    ]);
    expect(joined).toEqual(more.events.slice(0, joined.length));
  });

  it('EXITWITHTIMEOUT without a waittime (before Asterisk 13) waits since the visit entered', () => {
    const mapper = createQueueLogMapper(OPTS);
    mapper.map(line('1764576300|1764576300.4|sales|NONE|ENTERQUEUE||5550103'));
    expect(mapper.map(line('1764576345|1764576300.4|sales|NONE|EXITWITHTIMEOUT|1')).events[0]).toMatchObject({ waitMs: 45_000, reason: 'timeout' });
  });
});

describe('queue_log mapper: bad data', () => {
  it('gives CB_ASTERISK_LINE_INVALID for garbage and for known events whose numbers are missing or not numbers, and goes on', () => {
    const run = runQueueLog(fixture('garbage.queue_log'), OPTS);
    expect(run.events).toEqual([]);
    expect(run.errors).toEqual(Array(run.outcomes.length).fill('CB_ASTERISK_LINE_INVALID'));
    const after = runQueueLog(`${fixture('garbage.queue_log')}${fixture('asterisk18.queue_log')}`, WRAP);
    expect(after.events).toEqual(runQueueLog(fixture('asterisk18.queue_log'), WRAP).events);
  });

  it('skips ENTERQUEUE on queue NONE and member lines without a member', () => {
    const mapper = createQueueLogMapper(OPTS);
    expect(mapper.map(line('1764576100|1764576100.1|NONE|NONE|ENTERQUEUE||5550101|1'))).toEqual({ events: [], skipped: 'ENTERQUEUE' });
    expect(mapper.map(line('1764576100|NONE|support|NONE|PAUSE|x'))).toEqual({ events: [], skipped: 'PAUSE' });
    expect(mapper.map(line('1764576100|NONE|NONE|PJSIP/9|PAUSEALL|'))).toEqual({ events: [], skipped: 'PAUSEALL' });
  });

  it('refuses a name whose encoding is over 64 characters with CB_ASTERISK_NAME_INVALID, unless a mapping file names it', () => {
    const long = `queue ${'x'.repeat(70)}`;
    const raw = `1764576100|1764576100.1|${long}|NONE|ENTERQUEUE||5550101|1`;
    expect(createQueueLogMapper(OPTS).map(line(raw)).error?.code).toBe('CB_ASTERISK_NAME_INVALID');
    const names = loadNameMap({ queues: { [long]: 'long-queue' } });
    expect(createQueueLogMapper({ ...OPTS, names }).map(line(raw)).events[0]).toMatchObject({ queueId: 'long-queue' });
  });

  it('refuses a holdtime beyond the contract (30 days) as a line error, not an invalid event', () => {
    const out = createQueueLogMapper(OPTS).map(line('1764576112|1764576100.1|support|PJSIP/1002|CONNECT|99999999|x|6'));
    expect(out.events).toEqual([]);
    expect(out.error?.code).toBe('CB_ASTERISK_LINE_INVALID');
    expect(out.error?.message).toContain('waitMs');
  });
});

describe('queue_log mapper: ids and restarts', () => {
  it('gives the same events for the same file, and the same call eventIds for a line read twice', () => {
    const text = fixture('asterisk18.queue_log');
    expect(runQueueLog(text, WRAP).events).toEqual(runQueueLog(text, WRAP).events);
    const mapper = createQueueLogMapper(WRAP);
    const enter = line('1764576100|1764576100.1|support|NONE|ENTERQUEUE||5550101|1');
    const first = mapper.map(enter).events;
    mapper.map(line('1764576112|1764576100.1|support|PJSIP/1002|CONNECT|12|1764576106.2|6'));
    expect(mapper.map(enter).events).toEqual(first);
  });

  it('keeps ids within 128 characters for long uniqueids and names, by a hash', () => {
    const uid = `pbx-with-a-long-system-name-${'9'.repeat(60)}.1`;
    const queue = 'q'.repeat(64);
    const out = createQueueLogMapper({ ...OPTS, serverId: 's'.repeat(64) }).map(line(`1764576100|${uid}|${queue}|NONE|ENTERQUEUE||5550101|1`));
    const event = out.events[0] as CanonicalEvent & { callId: string };
    expect(event.eventId.length).toBeLessThanOrEqual(128);
    expect(event.callId.length).toBeLessThanOrEqual(128);
    expect(event.eventId).toMatch(/^s{64}:#[0-9a-f]{48}$/);
  });

  it.each(FIXTURES)('%s: a mapper restored from a snapshot at any line goes on exactly as one pass', (name) => {
    const text = fixture(name);
    const one = runQueueLog(text, WRAP).outcomes;
    const lines = linesOf(text);
    for (let cut = 0; cut <= lines.length; cut += 1) {
      const head = runQueueLog(lines.slice(0, cut).join('\n'), WRAP);
      const snapshot = JSON.parse(JSON.stringify(head.mapper.snapshot())) as unknown;
      const tail = runQueueLog(lines.slice(cut).join('\n'), WRAP, createQueueLogMapper(WRAP, snapshot));
      expect([...head.outcomes, ...tail.outcomes], `cut at ${cut}`).toEqual(one);
    }
  });

  it('wrapUpMs 0 gives available at once; a pause during wrap-up takes over after the synthesized end of wrap-up', () => {
    const zero = createQueueLogMapper(OPTS);
    zero.map(line('1764576112|1764576100.1|support|PJSIP/1002|CONNECT|12|x|6'));
    const end = zero.map(line('1764576190|1764576100.1|support|PJSIP/1002|COMPLETECALLER|12|78|1')).events;
    expect(ofType(end, 'agent.state_changed').map((e) => [e.state, e.occurredAt])).toEqual([['available', '2025-12-01T08:03:10.000Z']]);

    const wrap = createQueueLogMapper({ ...OPTS, wrapUpMs: () => 30_000 });
    wrap.map(line('1764576112|1764576100.1|support|PJSIP/1002|CONNECT|12|x|6'));
    const ended = ofType(wrap.map(line('1764576190|1764576100.1|support|PJSIP/1002|COMPLETECALLER|12|78|1')).events, 'agent.state_changed');
    expect(ended.map((e) => [e.state, e.occurredAt])).toEqual([
      ['wrap_up', '2025-12-01T08:03:10.000Z'],
      ['available', '2025-12-01T08:03:40.000Z'],
    ]);
    // Still in wrap-up at the pause: no change now, but the available already sent is overruled 1 ms after it.
    const pause = ofType(wrap.map(line('1764576200|NONE|support|PJSIP/1002|PAUSE|break')).events, 'agent.state_changed');
    expect(pause.map((e) => [e.state, e.reason, e.occurredAt])).toEqual([['away', 'break', '2025-12-01T08:03:40.001Z']]);
    // A next call during the wrap-up of another queue is on_call now, and still on_call after that end.
    const connect = ofType(wrap.map(line('1764576205|1764576201.5|sales|PJSIP/1002|CONNECT|4|x|2')).events, 'agent.state_changed');
    expect(connect.map((e) => [e.state, e.occurredAt])).toEqual([
      ['on_call', '2025-12-01T08:03:25.000Z'],
      ['on_call', '2025-12-01T08:03:40.002Z'],
    ]);
  });
});
