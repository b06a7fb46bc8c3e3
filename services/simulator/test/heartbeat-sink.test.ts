import { describe, expect, it } from 'vitest';
import { parseEvent } from '@callboard/events';
import { cleanItem, createMemorySink, withSourceHeartbeats } from '../src/index.js';

describe('the simulator tells its heartbeats of each event it produces', () => {
  it('notes every intact event by tenant, source and occurredAt, never a corrupt one, after the sink took it', async () => {
    const notes: [string, string, number][] = [];
    const inner = createMemorySink();
    const sink = withSourceHeartbeats(inner, { noteEvent: (tenantId, source, at) => notes.push([tenantId, source, at]) });
    const event = parseEvent({ eventId: 'e1', type: 'call.offered', occurredAt: '2026-12-01T06:00:00.000Z', tenantId: 'acme', source: 'simulator', callId: 'c1', queueId: 'q1', channel: 'voice', direction: 'inbound' });
    await sink.write(cleanItem(event));
    await sink.write({ kind: 'corrupt', mode: 'garbage-bytes', event, emitAt: 1 });
    await sink.close();
    expect(inner.items).toHaveLength(2);
    expect(notes).toEqual([['acme', 'simulator', Date.parse('2026-12-01T06:00:00.000Z')]]);
  });
});
