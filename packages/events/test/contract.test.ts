import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, parseJsonLine, validateEvent } from '../src/index.js';
import { SAMPLE_EVENTS } from './fixtures.js';

describe('contract v1', () => {
  it('accepts one valid event of every type', () => {
    expect(SAMPLE_EVENTS.map((e) => e.type).sort()).toEqual([...EVENT_TYPES].sort());
    for (const e of SAMPLE_EVENTS) expect(validateEvent(e)).toMatchObject({ ok: true });
  });

  it('normalises occurredAt with an offset to UTC milliseconds', () => {
    const r = validateEvent({ ...SAMPLE_EVENTS[2], occurredAt: '2026-03-02T17:01:00+08:00' });
    expect(r.ok && r.event.occurredAt).toBe('2026-03-02T09:01:00.000Z');
  });

  it.each([
    ['a negative wait', { ...SAMPLE_EVENTS[1], waitMs: -5 }, 'waitMs'],
    ['a fractional duration', { ...SAMPLE_EVENTS[4], talkMs: 1.5 }, 'talkMs'],
    ['a tenant id with a colon', { ...SAMPLE_EVENTS[0], tenantId: 'acme:x' }, 'tenantId'],
    ['a queue id of 65 characters', { ...SAMPLE_EVENTS[0], queueId: 'q'.repeat(65) }, 'queueId'],
    ['an eventId of 129 characters', { ...SAMPLE_EVENTS[0], eventId: 'e'.repeat(129) }, 'eventId'],
    ['an unknown channel', { ...SAMPLE_EVENTS[0], channel: 'fax' }, 'channel'],
    ['an unknown type', { ...SAMPLE_EVENTS[0], type: 'call.parked' }, 'type'],
    ['a time without an offset', { ...SAMPLE_EVENTS[0], occurredAt: '2026-03-02T09:00:00' }, 'occurredAt'],
    ['an answer without an agent', { ...SAMPLE_EVENTS[1], agentId: undefined }, 'agentId'],
    ['an unknown agent state', { ...SAMPLE_EVENTS[5], state: 'lunch' }, 'state'],
  ])('refuses %s, naming the field', (_label, input, field) => {
    const r = validateEvent(input);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('CB_EVENT_INVALID');
      expect(r.error.message).toContain(field);
    }
  });

  it('reports a line that is not JSON as such', () => {
    expect(parseJsonLine('{"eventId": ', 3)).toMatchObject({ ok: false, lineNo: 3, error: { code: 'CB_EVENT_JSON_PARSE' } });
    expect(parseJsonLine('   ', 4)).toBeUndefined();
  });
});
