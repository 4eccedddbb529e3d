// A small SVG line chart: time on x, one or more series, dashed reference
// lines (a target, tier thresholds), annotation markers, and a cursor that
// reads the values under the mouse. The server has already cut the series
// to a few hundred points, so drawing every one is cheap.

import { el, fill } from './app.js';

const M = { left: 58, right: 70, top: 10, bottom: 24 };

// lineChart draws into container, replacing what was there.
//   series:  [{name, color, points: [[ms, value or null], ...]}]
//   y:       {min, max, format(v), scale: 'linear' | 'log1p'}
//   hlines:  [{y, label, color}]
//   markers: [{from, to, label}] times in ms; to may equal from
export function lineChart(container, opts) {
  const width = Math.max(320, container.clientWidth || 800);
  const height = opts.height || 220;
  const xs = opts.series.flatMap((s) => s.points.map((p) => p[0]));
  if (xs.length === 0) {
    fill(container, el('p', { class: 'muted' }, 'No data in this range.'));
    return;
  }
  const x0 = Math.min(...xs), x1 = Math.max(...xs, x0 + 1);
  const vals = opts.series.flatMap((s) => s.points.map((p) => p[1]).filter((v) => v !== null && Number.isFinite(v)));
  if (vals.length === 0) {
    fill(container, el('p', { class: 'muted' }, 'No data in this range.'));
    return;
  }
  const refs = (opts.hlines || []).map((h) => h.y);
  let y0 = opts.y.min ?? Math.min(...vals, ...refs);
  let y1 = opts.y.max ?? Math.max(...vals, ...refs);
  if (!Number.isFinite(y0) || !Number.isFinite(y1)) { y0 = 0; y1 = 1; }
  if (y1 - y0 < 1e-12) { y1 = y0 + (Math.abs(y0) || 1) * 0.01; y0 -= (y1 - y0); }
  const pad = (y1 - y0) * 0.05;
  if (opts.y.min === undefined) y0 -= pad;
  if (opts.y.max === undefined) y1 += pad;
  const f = opts.y.scale === 'log1p' ? (v) => Math.log1p(Math.max(0, v)) : (v) => v;
  const X = (t) => M.left + ((t - x0) / (x1 - x0)) * (width - M.left - M.right);
  const Y = (v) => {
    const c = Math.min(Math.max(v, y0), y1);
    return M.top + (1 - (f(c) - f(y0)) / (f(y1) - f(y0))) * (height - M.top - M.bottom);
  };
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': opts.label || 'chart' });
  svg.style.height = height + 'px';

  for (const v of yTicks(y0, y1, opts.y.scale)) {
    svg.append(el('line', { class: 'axis', x1: M.left, x2: width - M.right, y1: Y(v), y2: Y(v), opacity: 0.5 }),
      el('text', { x: M.left - 6, y: Y(v) + 4, 'text-anchor': 'end' }, opts.y.format(v)));
  }
  for (const t of timeTicks(x0, x1)) {
    svg.append(el('text', { x: X(t.at), y: height - 6, 'text-anchor': 'middle' }, t.text));
  }
  for (const m of opts.markers || []) {
    if (m.to < x0 || m.from > x1) continue;
    const a = X(Math.max(m.from, x0)), b = X(Math.min(m.to, x1));
    const g = el('g', { class: 'annotation' }, el('title', {}, m.label));
    if (b - a > 2) g.append(el('rect', { class: 'marker-band', x: a, y: M.top, width: b - a, height: height - M.top - M.bottom }));
    g.append(el('line', { class: 'marker', x1: a, x2: a, y1: M.top, y2: height - M.bottom }));
    svg.append(g);
  }
  for (const h of opts.hlines || []) {
    if (h.y < y0 || h.y > y1) continue;
    svg.append(el('line', { class: 'target', x1: M.left, x2: width - M.right, y1: Y(h.y), y2: Y(h.y), stroke: h.color }),
      el('text', { x: width - M.right + 4, y: Y(h.y) + 4 }, h.label, h.title ? el('title', {}, h.title) : null));
  }
  for (const s of opts.series) {
    svg.append(el('path', { class: 'line', d: pathOf(s.points, X, Y), stroke: s.color, 'data-series': s.name }));
    const real = s.points.filter((p) => p[1] !== null && Number.isFinite(p[1]));
    if (real.length === 1) svg.append(el('circle', { cx: X(real[0][0]), cy: Y(real[0][1]), r: 3, fill: s.color }));
  }
  const cursor = el('line', { class: 'cursor hidden', y1: M.top, y2: height - M.bottom });
  svg.append(cursor);
  const tip = el('div', { class: 'tip hidden' });
  const legend = el('div', { class: 'legend' }, opts.series.map((s) => {
    const sw = el('i');
    sw.style.background = s.color;
    return [sw, s.name];
  }));
  fill(container, svg, tip, legend);

  // The cursor reads the nearest point of the first series' times.
  const times = opts.series[0].points.map((p) => p[0]);
  svg.addEventListener('mousemove', (ev) => {
    const r = svg.getBoundingClientRect();
    const px = ((ev.clientX - r.left) / r.width) * width;
    const t = x0 + ((px - M.left) / (width - M.left - M.right)) * (x1 - x0);
    const i = nearest(times, t);
    if (i < 0) return;
    const at = times[i];
    cursor.setAttribute('x1', X(at));
    cursor.setAttribute('x2', X(at));
    cursor.classList.remove('hidden');
    // Each series is read at its own point nearest the time: two series
    // may come from different requests.
    fill(tip, el('div', {}, new Date(at).toISOString().slice(0, 16).replace('T', ' ')),
      ...opts.series.map((s) => {
        const p = s.points[nearest(s.points.map((q) => q[0]), at)];
        return el('div', {}, `${s.name}: ${p && p[1] !== null ? opts.y.format(p[1]) : '–'}`);
      }));
    tip.classList.remove('hidden');
    const left = (X(at) / width) * r.width;
    tip.style.left = (left > r.width / 2 ? left - tip.offsetWidth - 10 : left + 10) + 'px';
    tip.style.top = '8px';
  });
  svg.addEventListener('mouseleave', () => { cursor.classList.add('hidden'); tip.classList.add('hidden'); });
}

// pathOf joins the points, lifting the pen over gaps (no data).
function pathOf(points, X, Y) {
  let d = '', pen = false;
  for (const [t, v] of points) {
    if (v === null || !Number.isFinite(v)) { pen = false; continue; }
    d += `${pen ? 'L' : 'M'}${X(t).toFixed(1)},${Y(v).toFixed(1)}`;
    pen = true;
  }
  return d;
}

function nearest(sorted, t) {
  if (sorted.length === 0) return -1;
  let lo = 0, hi = sorted.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < t) lo = mid; else hi = mid;
  }
  return Math.abs(sorted[lo] - t) <= Math.abs(sorted[hi] - t) ? lo : hi;
}

function yTicks(y0, y1, scale) {
  if (scale === 'log1p') return [0, 1, 3, 10, 30, 100, 300, 1000].filter((v) => v >= y0 && v <= y1);
  const step = niceStep((y1 - y0) / 4);
  const out = [];
  for (let v = Math.ceil(y0 / step) * step; v <= y1 + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

function niceStep(raw) {
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (raw <= m * p) return m * p;
  return 10 * p;
}

const HOUR = 3600000, DAY = 24 * HOUR;

function timeTicks(x0, x1) {
  const range = x1 - x0;
  const step = [HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY].find((s) => range / s <= 8) || 30 * DAY;
  const out = [];
  for (let t = Math.ceil(x0 / step) * step; t <= x1; t += step) {
    const d = new Date(t);
    const text = step < DAY ? d.toISOString().slice(11, 16) : d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
    out.push({ at: t, text });
  }
  return out;
}
