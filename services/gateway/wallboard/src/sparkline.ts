import type { SeriesPoint } from './types.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * An inline SVG of the last 60 minutes of primary SL (0..100 %), with a dashed line at the target.
 * Gaps (minutes without calls) break the line.
 */
export function sparkline(points: readonly SeriesPoint[], target: number, nowMs: number, spanMs = 60 * 60_000): SVGSVGElement {
  const width = 300;
  const height = 60;
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('class', 'sparkline');
  const x = (at: number) => ((at - (nowMs - spanMs)) / spanMs) * width;
  const y = (v: number) => height - Math.max(0, Math.min(1, v)) * (height - 4) - 2;
  const targetLine = document.createElementNS(SVG_NS, 'line');
  targetLine.setAttribute('x1', '0');
  targetLine.setAttribute('x2', String(width));
  targetLine.setAttribute('y1', String(y(target)));
  targetLine.setAttribute('y2', String(y(target)));
  targetLine.setAttribute('class', 'target');
  svg.append(targetLine);
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.at < nowMs - spanMs) continue;
    if (p.value === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)} `;
    pen = true;
  }
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', d.trim());
  path.setAttribute('class', 'line');
  svg.append(path);
  return svg;
}
