import type { SeriesPoint } from './types.js';

/** The sparkline's drawing box in SVG user units; `pad` keeps the 3 px stroke inside it. */
export interface SparkBox {
  width: number;
  height: number;
  pad: number;
}

export const SPARK_BOX: SparkBox = { width: 300, height: 60, pad: 3 };

/** A path's `d` and the y of the dashed target line, both inside the box. */
export interface SparkGeometry {
  d: string;
  targetY: number;
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const fmt = (n: number) => n.toFixed(1);

/**
 * The sparkline's geometry: time runs left to right over `spanMs` ending at `nowMs`, 0 % at the
 * bottom and 100 % at the top, and every coordinate is clamped into the box (issue 8 item 16):
 * values below 0 or above 1 sit on the edge, a point newer than `nowMs` (the gateway's clock ahead
 * of the TV's) sits on the right edge, points older than the span are dropped, `null` and
 * non-finite values break the line, and a point with no neighbour is drawn as a short dash so it
 * shows at all.
 */
export function sparklinePath(points: readonly SeriesPoint[], target: number, nowMs: number, spanMs = 60 * 60_000, box: SparkBox = SPARK_BOX): SparkGeometry {
  const { width, height, pad } = box;
  const innerW = width - 2 * pad;
  const innerH = height - 2 * pad;
  const span = spanMs > 0 ? spanMs : 1;
  const x = (at: number) => pad + clamp01((at - (nowMs - span)) / span) * innerW;
  const y = (v: number) => pad + (1 - clamp01(v)) * innerH;
  const runs: { x: number; y: number }[][] = [];
  let run: { x: number; y: number }[] = [];
  const sorted = [...points].filter((p) => Number.isFinite(p.at) && p.at >= nowMs - span).sort((a, b) => a.at - b.at);
  for (const p of sorted) {
    if (p.value === null || !Number.isFinite(p.value)) {
      if (run.length > 0) runs.push(run);
      run = [];
      continue;
    }
    run.push({ x: x(p.at), y: y(p.value) });
  }
  if (run.length > 0) runs.push(run);
  const parts: string[] = [];
  for (const r of runs) {
    if (r.length === 1) {
      const only = r[0]!;
      const from = Math.max(pad, only.x - 1.5);
      const to = Math.min(width - pad, only.x + 1.5);
      parts.push(`M${fmt(from)},${fmt(only.y)} L${fmt(to)},${fmt(only.y)}`);
      continue;
    }
    parts.push(r.map((p, i) => `${i === 0 ? 'M' : 'L'}${fmt(p.x)},${fmt(p.y)}`).join(' '));
  }
  return { d: parts.join(' '), targetY: Number.isFinite(target) ? y(target) : y(0) };
}
