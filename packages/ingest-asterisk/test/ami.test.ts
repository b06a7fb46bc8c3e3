import { describe, expect, it } from 'vitest';
import { validateEvent, type CanonicalEvent } from '@callboard/events';
import { createAmiMapper, createQueueLogMapper, parseAmiMessage, type AmiMapper } from '../src/index.js';
import { fixture, OPTS, runQueueLog } from './helpers.js';

const WRAP = { ...OPTS, wrapUpMs: (queue: string) => (queue === 'support' ? 10_000 : 0) };

/** The capture's messages: blocks separated by an empty line (CRLF as AMI sends them). */
function messages(): Record<string, string>[] {
  return fixture('ami-capture.txt')
    .split('\r\n\r\n')
    .filter((block) => block.trim().length > 0)
    .map(parseAmiMessage);
}

function runAmi(mapper: AmiMapper = createAmiMapper(WRAP)) {
  const outcomes = messages().map((m) => mapper.map(m));
  return { outcomes, events: outcomes.flatMap((o) => o.events), mapper };
}

describe('parseAmiMessage', () => {
  it('reads Key: Value lines with CRLF or LF, keeps values with colons and empty values, ignores lines without a key', () => {
    expect(parseAmiMessage('Event: AgentConnect\r\nQueue: support\r\nChannel: PJSIP/a:b-1\r\nPausedReason:\r\n\r\n')).toEqual({
      Event: 'AgentConnect',
      Queue: 'support',
      Channel: 'PJSIP/a:b-1',
      PausedReason: '',
    });
    expect(parseAmiMessage('Asterisk Call Manager/9.0.0\nResponse: Success\n')).toEqual({ Response: 'Success' });
  });
});

describe('AMI mapper', () => {
  it('maps the capture: every event passes the contract, skips what is not a fact', () => {
    const { outcomes, events } = runAmi();
    for (const event of events) expect(validateEvent(event), JSON.stringify(event)).toMatchObject({ ok: true });
    expect(outcomes.flatMap((o) => (o.skipped ? [o.skipped] : []))).toEqual(['Response', 'FullyBooted', 'AgentCalled', 'AgentRingNoAnswer', 'QueueCallerLeave', 'QueueCallerAbandon']);
    // the last AgentConnect has a HoldTime that is not a number
    expect(outcomes.at(-1)?.error?.code).toBe('CB_ASTERISK_AMI_INVALID');
  });

  it('gives the call events of a call the same callIds and eventIds as queue_log gives them', () => {
    const ami = runAmi().events.filter((e) => e.type !== 'agent.state_changed');
    const ql = runQueueLog(fixture('asterisk18.queue_log'), WRAP).events;
    const byId = new Map(ql.map((e) => [e.eventId, e]));
    expect(ami.map((e) => e.type)).toEqual(['call.offered', 'call.answered', 'call.completed', 'call.offered']);
    for (const e of ami) {
      const twin = byId.get(e.eventId) as CanonicalEvent | undefined;
      expect(twin, e.eventId).toBeDefined();
      // the same fact; only the time may differ (AMI's Timestamp has sub-seconds, queue_log whole seconds)
      expect({ ...e, occurredAt: twin!.occurredAt }).toEqual(twin);
    }
  });

  it('follows agent states from QueueMemberStatus, QueueMemberAdded/Removed/Pause, AgentConnect and AgentComplete', () => {
    const states = runAmi().events.filter((e): e is Extract<CanonicalEvent, { type: 'agent.state_changed' }> => e.type === 'agent.state_changed');
    expect(states.map((e) => [e.agentId, e.state, e.reason ?? '', e.queueIds.join(','), e.occurredAt.slice(11, 23)])).toEqual([
      ['PJSIP_2f1001', 'available', '', 'support', '08:00:01.000'],
      ['PJSIP_2f1002', 'available', '', 'support', '08:00:01.000'],
      ['PJSIP_2f1002', 'on_call', '', 'sales,support', '08:01:52.400'], // AgentConnect; the member is paused in sales
      // AgentComplete at .050 while the device still says in use: on_call until the status goes free at .100
      ['PJSIP_2f1002', 'wrap_up', '', 'sales,support', '08:03:10.100'],
      ['PJSIP_2f1002', 'available', '', 'support', '08:03:20.050'], // AgentComplete + the queue's 10 s wrap-up
      ['PJSIP_2f1001', 'away', 'lunch', 'support', '08:11:40.000'], // QueueMemberPause
      ['PJSIP_2f1001', 'logged_out', '', 'support', '08:13:20.000'], // Status 5 UNAVAILABLE
      // QueueMemberRemoved from sales, where it was paused: still available in support, nothing changes
    ]);
  });

  it('maps AgentComplete with Reason transfer to a transferred completion, and emits no agent event with agentStates: false', () => {
    const msg = (text: string) => parseAmiMessage(text.replaceAll('\n', '\r\n'));
    const quiet = createAmiMapper({ ...WRAP, agentStates: false });
    quiet.map(msg('Event: AgentConnect\nTimestamp: 1764576112\nUniqueid: 9.1\nQueue: support\nMemberName: PJSIP/1002\nHoldTime: 3\n'));
    const done = quiet.map(msg('Event: AgentComplete\nTimestamp: 1764576172\nUniqueid: 9.1\nQueue: support\nMemberName: PJSIP/1002\nHoldTime: 3\nTalkTime: 60\nReason: transfer\n'));
    expect(done.events).toEqual([expect.objectContaining({ type: 'call.completed', transferred: true, talkMs: 60_000, wrapMs: 10_000, callId: 'pbx1:9.1' })]);
  });

  it('uses the clock for an event without Timestamp (timestampevents = no)', () => {
    const mapper = createAmiMapper({ ...OPTS, clock: () => Date.parse('2026-01-02T03:04:05.678Z') });
    const out = mapper.map(parseAmiMessage('Event: QueueCallerJoin\r\nUniqueid: 1.2\r\nQueue: support\r\nCallerIDNum: 5550101\r\n'));
    expect(out.events[0]).toMatchObject({ type: 'call.offered', occurredAt: '2026-01-02T03:04:05.678Z', callId: 'pbx1:1.2' });
    expect(mapper.map(parseAmiMessage('Event: QueueCallerJoin\r\nQueue: support\r\n')).error?.code).toBe('CB_ASTERISK_AMI_INVALID');
  });

  it('restores from a snapshot as one pass, and refuses a queue_log mapper snapshot', () => {
    const one = runAmi().outcomes;
    const all = messages();
    for (let cut = 0; cut <= all.length; cut += 1) {
      const head = createAmiMapper(WRAP);
      const first = all.slice(0, cut).map((m) => head.map(m));
      const tail = createAmiMapper(WRAP, JSON.parse(JSON.stringify(head.snapshot())));
      expect([...first, ...all.slice(cut).map((m) => tail.map(m))], `cut at ${cut}`).toEqual(one);
    }
    expect(() => createAmiMapper(WRAP, createQueueLogMapper(WRAP).snapshot())).toThrow(expect.objectContaining({ code: 'CB_CONFIG_INVALID' }));
  });
});
