import { SPARK_BOX, sparklinePath } from './sparkline-path.js';
import type { SeriesPoint } from './types.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * An inline SVG of the last 60 minutes of primary SL (0..100 %), with a dashed line at the target.
 * Gaps (minutes without calls) break the line; the geometry (sparkline-path.ts) stays inside the box.
 */
export function sparkline(points: readonly SeriesPoint[], target: number, nowMs: number, spanMs = 60 * 60_000): SVGSVGElement {
  const { width, height } = SPARK_BOX;
  const { d, targetY } = sparklinePath(points, target, nowMs, spanMs);
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'sparkline');
  const targetLine = document.createElementNS(SVG_NS, 'line');
  targetLine.setAttribute('x1', '0');
  targetLine.setAttribute('x2', String(width));
  targetLine.setAttribute('y1', targetY.toFixed(1));
  targetLine.setAttribute('y2', targetY.toFixed(1));
  targetLine.setAttribute('class', 'target');
  svg.append(targetLine);
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', d);
  path.setAttribute('class', 'line');
  svg.append(path);
  return svg;
}
