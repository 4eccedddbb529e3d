// Shared by the overview and the SLO page: reading the API, the token,
// formatting figures and building DOM nodes without innerHTML (every
// figure and name is set as text, so nothing from the API runs as markup).

const TOKEN_KEY = 'slo-token';

class AuthNeeded extends Error {}

// api reads one JSON answer of the API, with the saved token if any. A 401
// shows the token form; other errors carry the API's message.
export async function api(path) {
  const headers = { Accept: 'application/json' };
  const token = localStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = 'Bearer ' + token;
  const r = await fetch(path, { headers });
  if (r.status === 401 || r.status === 403) {
    showTokenForm(r.status === 403 ? 'This token may not read.' : 'This server needs a read token.');
    throw new AuthNeeded(path);
  }
  if (!r.ok) {
    let msg = r.statusText;
    try { msg = (await r.json()).error || msg; } catch (_) { /* not JSON */ }
    throw new Error(`${path}: ${r.status} ${msg}`);
  }
  return r.json();
}

// showTokenForm asks for a read token. It is kept in this browser's local
// storage and sent to this server's API only.
function showTokenForm(why) {
  const box = document.getElementById('token');
  if (!box || !box.classList.contains('hidden')) return;
  const form = el('form', { class: 'token', onsubmit: (e) => {
    e.preventDefault();
    localStorage.setItem(TOKEN_KEY, document.getElementById('token-input').value.trim());
    box.classList.add('hidden');
    showForget();
    for (const run of runners) run();
  } },
  el('span', {}, why + ' Give a read token:'),
  el('input', { type: 'password', id: 'token-input', placeholder: 'bearer token', autocomplete: 'off' }),
  el('button', { id: 'token-save', type: 'submit' }, 'Use token'));
  box.replaceChildren(form);
  box.classList.remove('hidden');
}

// showForget offers to forget a stored token, in the header.
function showForget() {
  const nav = document.querySelector('header.top nav');
  if (!nav || !localStorage.getItem(TOKEN_KEY) || document.getElementById('forget-token')) return;
  nav.append(el('a', { href: '#', id: 'forget-token', onclick: (e) => {
    e.preventDefault();
    localStorage.removeItem(TOKEN_KEY);
    location.reload();
  } }, 'Forget token'));
}

// fill replaces a node's children, leaving out null, undefined and false
// (which replaceChildren would write as text).
export function fill(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// el builds an element: attributes (on* as listeners, class, dataset via
// data-*), then children as nodes or text.
export function el(tag, attrs = {}, ...children) {
  const svg = ['svg', 'g', 'path', 'line', 'rect', 'text', 'title', 'circle', 'polyline'].includes(tag);
  const n = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return n;
}

// Statuses from the worst; a list sorted by rank puts trouble first.
export const STATUS_RANK = { exhausted: 0, critical: 1, warning: 2, no_data: 3, healthy: 4 };
const STATUS_TEXT = { healthy: 'healthy', warning: 'warning', critical: 'critical', exhausted: 'exhausted', no_data: 'no data', unknown: 'unknown' };

export function statusBadge(status) {
  return el('span', { class: `status status-${status}`, 'data-status': status }, STATUS_TEXT[status] || status);
}

// pct writes a ratio as a percent with enough digits to tell 99.9 from
// 99.95; null (no data) is a dash.
// It rounds down, so that 99.9999% never reads 100% and 98.996% never
// reads as meeting 99%.
export function pct(x, digits) {
  if (x === null || x === undefined) return '–';
  const p = 100 * x;
  if (digits === undefined) digits = p >= 99 ? 3 : p >= 90 ? 2 : 1;
  const f = 10 ** digits;
  return trimZeros((Math.floor(p * f + 1e-9) / f).toFixed(digits)) + '%';
}

// target writes an objective, 0.999 as 99.9%.
export function target(x) { return trimZeros((100 * x).toFixed(4)) + '%'; }

function trimZeros(s) { return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s; }

export function burn(x) {
  if (x === null || x === undefined) return '–';
  return (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)) + '×';
}

// count writes an event count: whole numbers with separators, a fraction
// under ten kept (a window's oldest bucket counts in part).
export function count(x) {
  if (x === null || x === undefined) return '–';
  if (Math.abs(x) < 10 && x !== Math.round(x)) return x.toFixed(1);
  return Math.round(x).toLocaleString('en-US');
}

// minutes writes a budget in minutes: 38.0 min, 2h 10m, 3d 4h.
export function minutes(m) {
  if (m === null || m === undefined) return '–';
  const sign = m < 0 ? '-' : '';
  m = Math.abs(m);
  if (m < 60) return sign + (m < 10 ? m.toFixed(1) : m.toFixed(0)) + ' min';
  return sign + span(m * 60000);
}

// span writes a duration in milliseconds as its two largest units.
export function span(ms) {
  const units = [['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000]];
  const parts = [];
  let rest = Math.abs(ms);
  for (const [u, n] of units) {
    const q = Math.floor(rest / n);
    if (q > 0 || (parts.length > 0)) parts.push(q + u);
    rest -= q * n;
    if (parts.length === 2) break;
  }
  return parts.filter((p) => !p.startsWith('0')).join(' ') || '0s';
}

// until writes how long until a time: "in 3h 10m", or "now" once past.
export function until(iso) {
  const d = Date.parse(iso) - Date.now();
  return d > 0 ? 'in ' + span(d) : 'now';
}

export function ago(iso, now = Date.now()) {
  const d = now - Date.parse(iso);
  return d < 0 ? 'in ' + span(-d) : span(d) + ' ago';
}

export function when(iso) {
  if (!iso) return '–';
  return new Date(iso).toISOString().replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC');
}

// budgetBar is the remaining budget as a bar coloured by status.
export function budgetBar(ratio, status, wide) {
  const w = Math.max(0, Math.min(1, ratio));
  const fill = el('span', { class: `fill-${status}` });
  fill.style.width = (100 * w).toFixed(1) + '%';
  return el('span', { class: 'bar' + (wide ? ' wide' : ''), title: `${pct(ratio, 1)} of the error budget left` }, fill);
}

// sloPath is the page of an SLO, or of one customer's series.
export function sloPath(service, slo, customer) {
  const p = `/slo/${encodeURIComponent(service)}/${encodeURIComponent(slo)}`;
  return customer ? `${p}?customer=${encodeURIComponent(customer)}` : p;
}

export function apiPath(service, slo) {
  return `/api/v1/slos/${encodeURIComponent(service)}/${encodeURIComponent(slo)}`;
}

// showError puts a failure on the page, where a user sees it, and in the
// console for the tests; AuthNeeded has its own form.
export function showError(err) {
  if (err instanceof AuthNeeded) return;
  const box = document.getElementById('error');
  if (box) {
    box.textContent = String(err.message || err);
    box.classList.remove('hidden');
  }
  console.error(err);
}

function clearError() {
  const box = document.getElementById('error');
  if (box) box.classList.add('hidden');
}

function stamp() {
  const r = document.getElementById('refreshed');
  if (r) r.textContent = 'updated ' + new Date().toLocaleTimeString('en-GB');
}

// runners are the page's periodic loads, run again once a token is given.
const runners = [];

// every runs f now and then every ms, skipping while the tab is hidden and
// a run is under way.
export function every(ms, f) {
  let busy = false;
  const run = async () => {
    if (busy || document.hidden) return;
    busy = true;
    try { await f(); clearError(); stamp(); } catch (e) { showError(e); } finally { busy = false; }
  };
  runners.push(run);
  showForget();
  run();
  return setInterval(run, ms);
}
