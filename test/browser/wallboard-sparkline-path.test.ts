import { describe, expect, it } from 'vitest';
import { SPARK_BOX, sparklinePath } from '../../services/gateway/wallboard/src/sparkline-path.js';
import type { SeriesPoint } from '../../services/gateway/wallboard/src/types.js';

const NOW = Date.parse('2026-03-09T12:00:00Z');
const MIN = 60_000;

/** Every coordinate pair of a path made of M and L commands. */
function coordinates(d: string): [number, number][] {
  return [...d.matchAll(/[ML](-?[\d.]+|NaN|-?Infinity),(-?[\d.]+|NaN|-?Infinity)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

function expectInside(d: string): void {
  for (const [x, y] of coordinates(d)) {
    expect(Number.isFinite(x) && Number.isFinite(y), `${x},${y} in ${d}`).toBe(true);
    expect(x, d).toBeGreaterThanOrEqual(SPARK_BOX.pad);
    expect(x, d).toBeLessThanOrEqual(SPARK_BOX.width - SPARK_BOX.pad);
    expect(y, d).toBeGreaterThanOrEqual(SPARK_BOX.pad);
    expect(y, d).toBeLessThanOrEqual(SPARK_BOX.height - SPARK_BOX.pad);
  }
}

const minutes = (values: (number | null)[], lastAt = NOW): SeriesPoint[] => values.map((value, i) => ({ at: lastAt - (values.length - 1 - i) * MIN, value }));

describe('the sparkline path stays inside its box (issue 8 item 16)', () => {
  it('puts 0 % on the bottom edge and 100 % on the top edge, inside the padding', () => {
    const { d } = sparklinePath(minutes([0, 1, 0, 1]), 0.8, NOW);
    const ys = coordinates(d).map(([, y]) => y);
    expect(Math.max(...ys)).toBe(SPARK_BOX.height - SPARK_BOX.pad);
    expect(Math.min(...ys)).toBe(SPARK_BOX.pad);
    expectInside(d);
  });

  it('clamps values out of range and points newer than now (a TV clock behind the gateway)', () => {
    const points: SeriesPoint[] = [...minutes([-0.5, 1.7, 0.5]), { at: NOW + 2 * MIN, value: 0.9 }, { at: NOW + 30 * MIN, value: 2 }];
    const { d, targetY } = sparklinePath(points, 1.3, NOW);
    expect(coordinates(d)).toHaveLength(5);
    expectInside(d);
    expect(targetY).toBe(SPARK_BOX.pad);
    expect(coordinates(d).at(-1)![0]).toBe(SPARK_BOX.width - SPARK_BOX.pad);
  });

  it('breaks the line at null and non-finite values and draws a lone point as a short dash', () => {
    const { d } = sparklinePath(minutes([0.5, 0.6, null, 0.7, Number.NaN, 0.2, 0.3, Number.POSITIVE_INFINITY]), 0.8, NOW);
    expect(d.match(/M/g)).toHaveLength(3);
    expect(d).not.toMatch(/NaN|Infinity/);
    expectInside(d);
    const lone = sparklinePath([{ at: NOW, value: 0.4 }], 0.8, NOW).d;
    const [[x1, y1], [x2, y2]] = coordinates(lone) as [[number, number], [number, number]];
    expect(y1).toBe(y2);
    expect(x2 - x1).toBeGreaterThan(0);
    expectInside(lone);
  });

  it('draws a constant series flat, drops points older than the span, and nothing for no data', () => {
    const flat = sparklinePath(minutes(Array.from({ length: 61 }, () => 0.8)), 0.8, NOW);
    expect(new Set(coordinates(flat.d).map(([, y]) => y)).size).toBe(1);
    expect(coordinates(flat.d)[0]![0]).toBe(SPARK_BOX.pad);
    expectInside(flat.d);
    const old = sparklinePath([{ at: NOW - 90 * MIN, value: 0.5 }, ...minutes([0.5, 0.6])], 0.8, NOW);
    expect(coordinates(old.d)).toHaveLength(2);
    expect(sparklinePath([], 0.8, NOW).d).toBe('');
    expect(sparklinePath([{ at: NOW, value: null }], 0.8, NOW).d).toBe('');
  });
});
