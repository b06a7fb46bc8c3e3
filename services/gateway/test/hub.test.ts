import { describe, expect, it } from 'vitest';
import { snapshot } from '../../../test/helpers/snapshots.js';
import { Hub, type HubClient } from '../src/index.js';

type Frame = { type: string; seq: number; epoch: string; [k: string]: unknown };

function fakeClient(tenantId: string): HubClient & { frames: Frame[]; buffered: number; closedWith?: number } {
  const c = {
    tenantId,
    frames: [] as Frame[],
    buffered: 0,
    closedWith: undefined as number | undefined,
    send: (f: string) => c.frames.push(JSON.parse(f) as Frame),
    bufferedAmount: () => c.buffered,
    close: (code: number) => {
      c.closedWith = code;
    },
  };
  return c;
}

describe('hub', () => {
  it('sends a snapshot, then deltas numbered without gaps, filtered to the subscription and windows', () => {
    const hub = new Hub({ maxBufferedBytes: 1000, slowCloseMs: 5000 });
    const t0 = Date.now();
    hub.applySnapshot(snapshot('a', 'q1', t0, { answered: 10, withinSl: 8 }));
    hub.applySnapshot(snapshot('a', 'q2', t0, { answered: 10, withinSl: 8 }));
    const c = fakeClient('a');
    hub.add(c);
    hub.subscribe(c, ['q1'], ['rolling-15m']);
    expect(c.frames[0]).toMatchObject({ type: 'snapshot', v: 1, seq: 1, epoch: hub.epoch });
    const queues = c.frames[0]!.queues as { queueId: string; windows: { name: string }[] }[];
    expect(queues.map((q) => q.queueId)).toEqual(['q1']);
    expect(queues[0]!.windows.map((w) => w.name)).toEqual(['rolling-15m']);
    hub.applySnapshot(snapshot('a', 'q2', t0 + 1000, { answered: 11, withinSl: 8 }));
    hub.applySnapshot(snapshot('a', 'q1', t0 + 1000, { answered: 12, withinSl: 8 }));
    hub.applySnapshot(snapshot('a', 'q1', t0 + 500, { answered: 1, withinSl: 1 })); // older: ignored
    hub.applySnapshot(snapshot('a', 'q1', t0 + 2000, { answered: 13, withinSl: 8 }));
    expect(c.frames.map((f) => [f.type, f.seq, f.queueId ?? null])).toEqual([
      ['snapshot', 1, null],
      ['kpi', 2, 'q1'],
      ['kpi', 3, 'q1'],
    ]);
    hub.applyAlert({ fingerprint: 'f1', kind: 'fire', tenantId: 'a', queueId: 'q1' });
    hub.applyAlert({ fingerprint: 'f2', kind: 'fire', tenantId: 'a', queueId: 'q2' });
    expect(c.frames.at(-1)).toMatchObject({ type: 'alert', seq: 4, alert: { fingerprint: 'f1' } });
    hub.unsubscribe(c, ['q1']);
    hub.applySnapshot(snapshot('a', 'q1', t0 + 3000, { answered: 14, withinSl: 8 }));
    expect(c.frames).toHaveLength(4);
  });

  it('never gives one tenant another tenant’s data', () => {
    const hub = new Hub({ maxBufferedBytes: 1000, slowCloseMs: 5000 });
    const a = fakeClient('a');
    hub.add(a);
    hub.subscribe(a, '*');
    hub.applySnapshot(snapshot('b', 'q1', Date.now(), { answered: 1, withinSl: 1 }));
    hub.applyAlert({ fingerprint: 'fb', kind: 'fire', tenantId: 'b', queueId: 'q1' });
    hub.subscribe(a, ['q1']);
    expect(a.frames.map((f) => f.type)).toEqual(['snapshot', 'snapshot']);
    expect(a.frames.every((f) => (f.queues as unknown[]).length === 0)).toBe(true);
  });

  it('coalesces KPI frames of a slow client to the latest per queue, never drops alerts, and closes it with 4008 when it stays slow', () => {
    let now = 0;
    let coalesced = 0;
    const hub = new Hub({ maxBufferedBytes: 1000, slowCloseMs: 5000, now: () => now, onCoalesced: () => (coalesced += 1) });
    const slow = fakeClient('a');
    const fast = fakeClient('a');
    for (const c of [slow, fast]) {
      hub.add(c);
      hub.subscribe(c, '*');
    }
    slow.buffered = 5000;
    for (let i = 1; i <= 10; i += 1) {
      hub.applySnapshot(snapshot('a', 'q1', i * 1000, { answered: i, withinSl: i }));
      hub.applySnapshot(snapshot('a', 'q2', i * 1000, { answered: i, withinSl: i }));
      if (i % 5 === 0) hub.applyAlert({ fingerprint: `f${i}`, kind: 'fire', tenantId: 'a', queueId: 'q1' });
    }
    // The fast client was not held back: every frame.
    expect(fast.frames.filter((f) => f.type === 'kpi')).toHaveLength(20);
    // The slow one got the alerts only, so far.
    expect(slow.frames.map((f) => f.type)).toEqual(['snapshot', 'alert', 'alert']);
    expect(coalesced).toBe(18);
    now = 1000;
    hub.tick();
    expect(slow.frames).toHaveLength(3);
    slow.buffered = 0;
    hub.tick();
    const kpis = slow.frames.filter((f) => f.type === 'kpi');
    expect(kpis.map((f) => (f.view as { at: string }).at)).toEqual([new Date(10_000).toISOString(), new Date(10_000).toISOString()]);
    expect(slow.frames.map((f) => f.seq)).toEqual([1, 2, 3, 4, 5]);
    // Over the cap again, for longer than slowCloseMs: closed with 4008.
    slow.buffered = 5000;
    hub.tick();
    now += 5001;
    hub.tick();
    expect(slow.closedWith).toBe(4008);
    expect(fast.closedWith).toBeUndefined();
  });
});
