import { describe, expect, it } from 'vitest';
import { computeOracle, splitLate } from '../src/index.js';
import { agentState, answered, offered, T0 } from './helpers/events.js';

const s = (seconds: number): number => seconds * 1000;
const GRACE = s(60);

describe('splitLate: which deliveries the live store holds back as late (DESIGN §4, issue 8 item 8b)', () => {
  it('holds back an event older than the partition watermark minus grace', () => {
    const fresh = offered('n', s(600));
    const old = offered('o', s(500));
    const within = offered('w', s(560));
    expect(splitLate([[fresh, old, within]], { graceMs: GRACE })).toEqual({ onTime: [fresh, within], late: [old] });
  });

  it('calls a late copy of an event the visit already holds a duplicate, not late', () => {
    const a = answered('c', s(10), 5_000, { eventId: 'a' });
    const split = splitLate([[a, offered('z', s(600)), { ...a }]], { graceMs: GRACE });
    expect(split.late).toEqual([]);
    const q = computeOracle(split.onTime, { late: split.late }).queues[0]!;
    expect([q.counts.answered, q.duplicates, q.late]).toEqual([1, 1, 0]);
  });

  it('holds back every copy of an event whose first delivery was late: a late event is not remembered', () => {
    const a = answered('c', s(10), 5_000, { eventId: 'a' });
    const split = splitLate([[offered('z', s(600)), a, { ...a }]], { graceMs: GRACE });
    expect(split.late).toEqual([a, a]);
  });

  it('moves the watermark with agent events too, and keeps partitions apart', () => {
    const old = offered('o', s(500));
    expect(splitLate([[agentState('x', s(600)), old]], { graceMs: GRACE }).late).toEqual([old]);
    expect(splitLate([[agentState('x', s(600))], [old]], { graceMs: GRACE }).late).toEqual([]);
  });

  it('starts from a given watermark', () => {
    const e = offered('o', 0);
    expect(splitLate([[e]], { graceMs: GRACE, initialWatermarkMs: T0 + s(61) }).late).toEqual([e]);
  });
});
