import { describe, expect, it } from 'vitest';
import { ReorderWindow } from '../src/reorder-window.js';

/** The window `import asterisk` puts its events in time order with (packages/cli/src/reorder-window.ts). */
describe('ReorderWindow', () => {
  it('holds items until the clock is a window past them, then releases them by time, ties in arrival order', () => {
    const w = new ReorderWindow<string>(60);
    w.push(100, 'b1');
    w.push(130, 'c');
    w.push(100, 'b2');
    w.push(40, 'a');
    expect([...w.release(159)]).toEqual(['a']);
    expect([...w.release(160)]).toEqual(['b1', 'b2']);
    expect(w.size).toBe(1);
    w.push(125, 'late-but-in-window');
    expect([...w.release(1000)]).toEqual(['late-but-in-window', 'c']);
    expect(w.size).toBe(0);
  });

  it('drains whatever it holds in order, and sorts a shuffled stream of many items', () => {
    const w = new ReorderWindow<number>(1_000_000);
    const times = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 2000);
    for (const t of times) w.push(t, t);
    expect([...w.release(0)]).toEqual([]);
    expect([...w.drain()]).toEqual([...times].sort((a, b) => a - b));
    expect([...w.drain()]).toEqual([]);
  });
});
