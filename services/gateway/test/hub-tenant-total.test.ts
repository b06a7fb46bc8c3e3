import { describe, expect, it } from 'vitest';
import type { KpiView } from '@callboard/windows';
import { snapshot } from '../../../test/helpers/snapshots.js';
import { Hub, type HubClient } from '../src/index.js';

type Frame = { type: string; seq: number; [k: string]: unknown };

function fakeClient(tenantId: string): HubClient & { frames: Frame[]; buffered: number } {
  const c = { tenantId, frames: [] as Frame[], buffered: 0, send: (f: string) => c.frames.push(JSON.parse(f) as Frame), bufferedAmount: () => c.buffered, close: () => undefined };
  return c;
}

/** A tenant total (issue 11): queueId null, no planning. */
const total = (tenantId: string, at: number, answered: number): KpiView => ({ ...snapshot(tenantId, 'x', at, { answered, withinSl: answered }), queueId: null, planning: null });

describe('hub: the tenant total (queueId null)', () => {
  it('keeps one total per tenant beside its queues, newest wins, and never sends it to another tenant', () => {
    const hub = new Hub({ maxBufferedBytes: 1000, slowCloseMs: 5000 });
    const t0 = Date.now();
    hub.applySnapshot(total('a', t0, 5));
    hub.applySnapshot(snapshot('a', 'q1', t0, { answered: 1, withinSl: 1 }));
    expect(hub.applySnapshot(total('a', t0 - 1000, 99))).toBe(false);
    expect(hub.tenantViews('a').map((v) => [v.queueId, v.windows[0]!.counts.answered])).toEqual([
      ['q1', 1],
      [null, 5],
    ]);
    const mine = fakeClient('a');
    const other = fakeClient('b');
    for (const c of [mine, other]) {
      hub.add(c);
      hub.subscribe(c, '*');
    }
    hub.applySnapshot(total('a', t0 + 1000, 6));
    expect(mine.frames.at(-1)).toMatchObject({ type: 'kpi', tenantId: 'a', queueId: null, view: { queueId: null } });
    expect(other.frames.map((f) => f.type)).toEqual(['snapshot']);
    expect(other.frames[0]!.queues).toEqual([]);
  });

  it('coalesces the total of a slow client like a queue, and sends the latest once it drained', () => {
    let now = 0;
    const coalesced: number[] = [];
    const hub = new Hub({ maxBufferedBytes: 1000, slowCloseMs: 60_000, now: () => now, onCoalesced: () => coalesced.push(1) });
    const c = fakeClient('a');
    hub.add(c);
    hub.subscribe(c, ['q1']);
    c.buffered = 5000;
    hub.applySnapshot(total('a', 1000, 1));
    hub.applySnapshot(total('a', 2000, 2));
    hub.applySnapshot(snapshot('a', 'q1', 2000, { answered: 3, withinSl: 3 }));
    expect(coalesced).toHaveLength(1);
    c.buffered = 0;
    now = 10;
    hub.tick();
    const kpis = c.frames.filter((f) => f.type === 'kpi') as (Frame & { queueId: string | null; view: KpiView })[];
    expect(kpis.map((f) => [f.queueId, f.view.windows[0]!.counts.answered])).toEqual([
      [null, 2],
      ['q1', 3],
    ]);
    // Subscribed to nothing any more: no total either.
    hub.unsubscribe(c, ['q1']);
    hub.applySnapshot(total('a', 3000, 4));
    expect(c.frames.filter((f) => f.type === 'kpi')).toHaveLength(2);
  });
});
