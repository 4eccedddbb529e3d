// One SLO: its budget now, its history, what its policy allows, its alert
// tiers and alerts, and a what-if on its target.

import {
  api, el, fill, every, statusBadge, pct, target, burn, count, minutes, span, until, ago, when, budgetBar, sloPath, apiPath, showError,
} from './app.js';
import { lineChart } from './chart.js';

const $ = (id) => document.getElementById(id);
const parts = location.pathname.split('/').map(decodeURIComponent); // ['', 'slo', service, slo]
const service = parts[2], name = parts[3];
const customer = new URLSearchParams(location.search).get('customer') || '';
const base = apiPath(service, name);
const DAY = 86400000;
const state = { ev: null, range: 0, alerts: [], history: [], annotations: [], whatif: null };

function evalPath() { return customer ? `${base}/customers/${encodeURIComponent(customer)}` : base; }
function withCustomer(q) { return customer ? `${q}&customer=${encodeURIComponent(customer)}` : q; }
function windowMs(ev) { return Date.parse(ev.window_end) - Date.parse(ev.window_start); }

function tile(label, value, sub, attrs = {}) {
  return el('div', { class: 'tile', ...attrs }, el('div', { class: 'label' }, label), el('div', { class: 'value' }, value), sub ? el('div', { class: 'sub' }, sub) : null);
}

// verdict says in one sentence how the SLO stands and what that means.
function verdict(ev) {
  const b = ev.budget;
  const msg = ev.decision && ev.decision.actions ? ev.decision.actions.message : '';
  if (ev.status === 'no_data') return ev.source_down ? `No data: the source is down since ${when(ev.source_down.since)} (${ev.source_down.error}).` : 'No data: no valid events in the window yet.';
  let s = `${pct(b.remaining_ratio, 1)} of the error budget left (${minutes(b.remaining_minutes)} of ${minutes(b.total_minutes)}).`;
  if (ev.exhaustion && b.remaining_ratio > 0) s += ` At the last 24 hours' burn rate it runs out ${until(ev.exhaustion)}.`;
  if (b.remaining_ratio <= 0) s += ' It has run out.';
  return msg ? `${s} ${msg}` : s;
}

function renderNow(ev) {
  document.title = `${service}/${name}${customer ? ' · ' + customer : ''} · slo`;
  $('title').textContent = `${service} / ${name}${customer ? ` · customer ${customer}${ev.tier ? ` (${ev.tier})` : ''}` : ''}`;
  fill($('status'), statusBadge(ev.status));
  $('since').textContent = sinceText(ev);
  $('verdict').textContent = verdict(ev);
  fill($('about'), 
    ev.description ? el('span', {}, ev.description + ' · ') : null,
    ev.measurement ? el('span', {}, 'SLI: ' + ev.measurement + ' · ') : null,
    ev.owner ? el('span', {}, 'owner ' + ev.owner + ' · ') : null,
    el('span', {}, `objective ${target(ev.target)} over ${ev.window}, evaluated ${ago(ev.time)}`));
  const b = ev.budget;
  fill($('tiles'), 
    tile('Error budget left', pct(b.remaining_ratio, 1), budgetBar(b.remaining_ratio, ev.status, true), { 'data-tile': 'budget' }),
    tile('Budget in minutes', minutes(b.remaining_minutes), `left of ${minutes(b.total_minutes)} in ${ev.window}`, { 'data-tile': 'minutes' }),
    tile('Budget in events', count(b.remaining_events), `bad events left of ${count(b.allowed_events)} allowed`, { 'data-tile': 'events' }),
    tile('SLI', pct(ev.sli), `target ${target(ev.target)} · ${count(ev.valid)} valid events`, { 'data-tile': 'sli' }),
    tile('Burn rate 1h / 6h / 24h', burn(ev.burn_rate_1h), `${burn(ev.burn_rate_6h)} · ${burn(ev.burn_rate_24h)} · ${ev.trend}`, { 'data-tile': 'burn' }),
    tile('Budget runs out', runsOut(ev),
      ev.projected_sli !== null ? `SLI ${pct(ev.projected_sli)} by ${when(ev.projected_at)}` : '', { 'data-tile': 'projection' }));
  renderPolicy(ev.decision);
  renderTiers(ev);
}

// sinceText says since when the status holds. When the engine has held it
// since its own start, the change was earlier: the history's points tell.
function sinceText(ev) {
  if (!ev.status_since_start) return 'since ' + ago(ev.status_since);
  const pts = state.history;
  if (pts.length === 0) return '';
  let i = pts.length - 1;
  while (i >= 0 && pts[i].status === ev.status) i--;
  if (i < 0) return `for all of the ${rangeDays()}d shown`;
  return `since about ${ago(pts[i + 1].time)}`;
}

function runsOut(ev) {
  if (ev.status === 'no_data') return 'no data';
  if (ev.budget.remaining_ratio <= 0) return 'run out';
  return ev.exhaustion ? until(ev.exhaustion) : 'not at this rate';
}

const YES = (ok, yes, no) => el('span', { class: `badge ${ok ? 'ok' : 'no'}` }, ok ? yes : no);

function renderPolicy(d) {
  if (!d) { fill($('policy'), el('p', { class: 'muted' }, 'Per-customer series do not gate.')); return; }
  const a = d.actions;
  if (!a) { fill($('policy'), el('p', { class: 'muted' }, d.unknown || 'The status cannot be told.')); return; }
  fill($('policy'), 
    el('p', {}, 'Status ', statusBadge(d.status), a.rule !== d.status ? ` (the ${a.rule} rule applies)` : '', d.fast_burn ? ' · set by a fast burn' : ''),
    el('dl', { class: 'actions' },
      el('div', {}, el('dt', {}, 'Feature development'), el('dd', {}, YES(a.feature_development, 'allowed', 'frozen'))),
      el('div', {}, el('dt', {}, 'Risky deployments'), el('dd', {}, YES(a.risky_deployments, 'allowed', 'stopped'))),
      el('div', {}, el('dt', {}, 'Experiments'), el('dd', {}, YES(a.experiments, 'allowed', 'stopped'))),
      el('div', {}, el('dt', {}, 'Low-risk deploy'), el('dd', { 'data-gate': 'low' }, YES(d.low_risk_deploy === 'allowed', 'allowed', d.low_risk_deploy))),
      el('div', {}, el('dt', {}, 'High-risk deploy'), el('dd', { 'data-gate': 'high' }, YES(d.high_risk_deploy === 'allowed', 'allowed', d.high_risk_deploy))),
      el('div', {}, el('dt', {}, 'On-call escalation'), el('dd', {}, a.on_call_escalation || '–')),
      el('div', {}, el('dt', {}, 'Deployment approval'), el('dd', {}, a.deployment_approval || '–')),
      el('div', {}, el('dt', {}, 'Rollback threshold'), el('dd', {}, a.rollback_threshold || '–'))),
    el('p', { class: 'muted small' }, d.reason || ''));
}

// tierState is what a tier is doing now: its alert's state when it has
// one, else whether its condition holds.
function tierState(t) {
  const a = state.alerts.find((x) => x.rule === t.name && x.state !== 'resolved' && (x.labels || {}).customer === (customer || undefined));
  if (a) return el('span', { class: `badge ${a.state}` }, a.state);
  if (t.over && t.low_traffic) return el('span', { class: 'badge resolved', title: `fewer than ${count(t.min_valid_events)} valid events` }, 'over, low traffic');
  if (t.over) return el('span', { class: 'badge pending' }, 'over threshold');
  return el('span', { class: 'badge ok' }, 'inactive');
}

function renderTiers(ev) {
  const left = ev.budget.remaining_ratio;
  if (!ev.tiers || ev.tiers.length === 0) {
    fill($('tiers').tBodies[0], el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'This SLO has no burn-rate alerts (its spec turns alerting off).')));
    return;
  }
  fill($('tiers').tBodies[0], ...ev.tiers.map((t) => {
    let gone = '–';
    if (left <= 0) gone = 'already gone';
    else if (t.long_burn_rate > 0) gone = span((left * windowMs(ev)) / t.long_burn_rate);
    return el('tr', { 'data-tier': t.name },
      el('td', {}, el('b', {}, t.name), el('div', { class: 'muted small' }, `${t.severity} · ${t.action}`)),
      el('td', {}, tierState(t)),
      el('td', { class: 'num' + (t.long_burn_rate >= t.threshold ? ' error' : '') }, burn(t.long_burn_rate), el('div', { class: 'muted small' }, t.long_window)),
      el('td', { class: 'num' + (t.short_burn_rate >= t.threshold ? ' error' : '') }, burn(t.short_burn_rate), el('div', { class: 'muted small' }, t.short_window || '')),
      el('td', { class: 'num' }, burn(t.threshold)),
      el('td', { class: 'num' }, count(t.long_valid_events), el('div', { class: 'muted small' }, t.min_valid_events ? `guard ${count(t.min_valid_events)}` : '')),
      el('td', { class: 'num' }, gone));
  }));
}

function renderAlerts() {
  const rows = state.alerts.filter((a) => (a.labels || {}).customer === (customer || undefined));
  fill($('alerts').tBodies[0], ...(rows.length ? rows.map((a) => el('tr', { 'data-alert': a.rule, 'data-state': a.state },
    el('td', {}, el('span', { class: `badge ${a.state}` }, a.state)),
    el('td', { title: (a.annotations && a.annotations.description) || '' }, a.rule),
    el('td', {}, a.severity),
    el('td', {}, when(a.fired_at || a.active_at)),
    el('td', {}, a.resolved_at ? when(a.resolved_at) : '–'),
    el('td', { class: 'num' }, a.peak_burn_rate ? burn(a.peak_burn_rate) : '–'),
    el('td', { class: 'num' }, a.state === 'resolved' || a.budget_spent ? pct(a.budget_spent, 2) : '–')))
    : [el('tr', {}, el('td', { colspan: 7, class: 'muted' }, 'No alerts in the last 30 days.'))]));
}

// markers puts annotations on every chart: a line at a point in time, a
// band over a span.
function markers() {
  return state.annotations.map((a) => ({ from: Date.parse(a.start), to: Date.parse(a.end || a.start), label: `${a.kind}: ${a.text}` }));
}

const series = (pts, key, scale = 1) => pts.map((p) => [Date.parse(p.time), p[key] === null ? null : p[key] * scale]);

function renderCharts() {
  const ev = state.ev, pts = state.history;
  if (!ev) return;
  $('since').textContent = sinceText(ev);
  const mk = markers();
  lineChart($('chart-budget'), {
    label: 'error budget left', markers: mk, y: { format: (v) => pct(v, 0), max: 1 },
    hlines: [{ y: 0.5, label: 'warning', color: '#b08800' }, { y: 0.2, label: 'critical', color: '#d1570f' }, { y: 0, label: 'exhausted', color: '#c62828' }],
    series: [{ name: 'budget left', color: '#0969da', points: series(pts, 'budget_remaining') }],
  });
  lineChart($('chart-sli'), {
    label: 'SLI', markers: mk, y: { format: (v) => pct(v, 2) },
    hlines: [{ y: ev.target, label: 'target', color: '#c62828' }],
    series: [{ name: `SLI (${ev.window})`, color: '#1a7f37', points: series(pts, 'sli') }],
  });
  const thresholds = [...new Map((ev.tiers || []).map((t) => [t.threshold, t.name])).entries()];
  lineChart($('chart-burn'), {
    label: 'burn rates', markers: mk, y: { format: (v) => burn(v), scale: 'log1p', min: 0 },
    hlines: thresholds.map(([y, n]) => ({ y, label: `${y}×`, title: `tier ${n}: ${y}×`, color: '#8c959f' })),
    series: [
      { name: '1h', color: '#c62828', points: series(pts, 'burn_rate_1h') },
      { name: '6h', color: '#d1570f', points: series(pts, 'burn_rate_6h') },
      { name: '24h', color: '#0969da', points: series(pts, 'burn_rate_24h') },
    ],
  });
  fill($('annotations'), ...(state.annotations.length ? state.annotations.map((a) => el('li', { 'data-annotation': a.id },
    el('b', {}, a.kind), ` ${when(a.start)}${a.end ? ' – ' + when(a.end) : ''}: ${a.text}`,
    budgetOf(a))) : [el('li', { class: 'muted' }, 'None in this range.')]));
  if (state.whatif) renderWhatIfChart();
}

function budgetOf(a) {
  if (customer) return null; // the attribution is the SLO's, not a customer's
  const s = a.attribution && a.attribution.slos && a.attribution.slos.find((x) => x.slo === name);
  if (!s || s.budget_spent === null) return null;
  return el('span', { class: 'muted' }, ` · spent ${pct(s.budget_spent, 1)} of the budget (${minutes(s.budget_minutes)})`);
}

function rangeDays() { return state.range || Math.min(90, Math.max(1, Math.round(windowMs(state.ev) / DAY))); }

async function loadHistory() {
  const days = rangeDays();
  for (const b of document.querySelectorAll('#ranges button')) b.classList.toggle('active', +b.dataset.range === days);
  const to = new Date(), from = new Date(to - days * DAY);
  const q = `from=${from.toISOString()}&to=${to.toISOString()}`;
  const [h, an] = await Promise.all([
    api(`${base}/history?${withCustomer(q)}`),
    api(`/api/v1/annotations?service=${encodeURIComponent(service)}&${q}`),
  ]);
  state.history = h.points;
  state.annotations = an.annotations.filter((a) => !a.slo || a.slo === name);
  $('points').textContent = `${h.points.length} points, one every ${h.step}`;
  renderCharts();
}

async function loadCeiling() {
  const c = await api(`${base}/ceiling`);
  if (!c.bounded) { fill($('ceiling'), el('p', { class: 'muted' }, 'No hard dependency bounds this SLO.')); return; }
  fill($('ceiling'), 
    el('p', {}, 'Its hard dependencies allow at most ', el('b', { 'data-field': 'ceiling' }, pct(c.ceiling)), ` against a target of ${target(c.target)}.`),
    c.warning ? el('p', { class: 'error' }, c.warning) : null,
    el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'Dependency'), el('th', { class: 'num' }, 'Published'), el('th', { class: 'num' }, 'Measured'), el('th', {}, 'Used'))),
      el('tbody', {}, c.factors.map((f) => el('tr', {}, el('td', {}, f.path, f.measured_by ? el('div', { class: 'muted small' }, 'measured by ' + f.measured_by) : null),
        el('td', { class: 'num' }, pct(f.published)), el('td', { class: 'num' }, pct(f.measured)), el('td', {}, f.used))))));
}

async function loadCustomers() {
  if (customer || !state.ev.customers) return;
  const r = await api(`${base}/customers`);
  $('customers-card').classList.remove('hidden');
  fill($('customers').tBodies[0], ...r.customers.map((c) => el('tr', { 'data-customer': c.customer },
    el('td', {}, el('a', { href: sloPath(service, name, c.customer) }, c.customer)), el('td', {}, c.tier), el('td', {}, statusBadge(c.status)),
    el('td', { class: 'num' }, target(c.target)), el('td', { class: 'num' }, pct(c.sli)),
    el('td', {}, budgetBar(c.budget.remaining_ratio, c.status), ' ', pct(c.budget.remaining_ratio, 1)))));
}

async function loadNow() {
  const since = new Date(Date.now() - 30 * DAY).toISOString();
  const q = `service=${encodeURIComponent(service)}&slo=${encodeURIComponent(name)}`;
  const [ev, active, hist] = await Promise.all([api(evalPath()), api(`/api/v1/alerts?${q}`), api(`/api/v1/alerts/history?${q}&from=${since}`)]);
  state.ev = ev;
  const seen = new Set(active.alerts.map((a) => a.id));
  state.alerts = [...active.alerts, ...hist.alerts.filter((a) => !seen.has(a.id))];
  renderNow(ev);
  renderAlerts();
}

// What-if: the same stored counts, judged against another target.
async function runWhatIf() {
  const input = $('whatif-target');
  const t = Number(input.value) / 100;
  if (!(t > 0 && t < 1)) { $('whatif-note').textContent = 'Give a target between 0 and 100%.'; return; }
  const days = rangeDays();
  const to = new Date(), from = new Date(to - days * DAY);
  $('whatif-note').textContent = 'recomputing…';
  const w = await api(`${base}/whatif?${withCustomer(`target=${t}&from=${from.toISOString()}&to=${to.toISOString()}`)}`);
  state.whatif = w;
  const now = w.now, b = now.budget;
  $('whatif-note').textContent = `from the stored counts of the last ${days}d, against ${target(w.target)} instead of ${target(w.current_target)}`;
  const sum = w.summary || {};
  const inStatus = (sum.time_in_status || []).filter((x) => x.seconds > 0)
    .map((x) => `${x.status.replace('_', ' ')} ${pct(x.share, x.share < 0.1 ? 1 : 0)} of the time`).join(', ');
  let story = inStatus ? `Over the last ${days}d it would have been ${inStatus}` : '';
  if (story && sum.lowest_budget_remaining !== null && sum.lowest_budget_remaining !== undefined) {
    story += `; the budget left would have been lowest at ${pct(sum.lowest_budget_remaining, 1)} (${when(sum.lowest_at)})`;
  }
  if (story) story += sum.first_exhausted ? `, and exhausted first at ${when(sum.first_exhausted)}.` : ', and never exhausted.';
  fill($('whatif-result'), el('div', { class: 'result' },
    tile('Status', statusBadge(now.status), now.decision && now.decision.actions ? now.decision.actions.message : '', { 'data-whatif': 'status' }),
    tile('Error budget left', pct(b.remaining_ratio, 1), budgetBar(b.remaining_ratio, now.status, true), { 'data-whatif': 'budget' }),
    tile('Budget in minutes', minutes(b.remaining_minutes), `of ${minutes(b.total_minutes)}`, { 'data-whatif': 'minutes' }),
    tile('Budget in events', count(b.remaining_events), `of ${count(b.allowed_events)} allowed`, { 'data-whatif': 'events' }),
    tile('Low-risk deploy', now.decision ? now.decision.low_risk_deploy : '–', now.decision ? `high-risk: ${now.decision.high_risk_deploy}` : '', { 'data-whatif': 'deploy' })),
  story ? el('p', { class: 'small', 'data-whatif': 'summary' }, story) : null);
  renderWhatIfChart();
}

function renderWhatIfChart() {
  const w = state.whatif;
  lineChart($('chart-whatif'), {
    label: 'budget left, now and with the what-if target', markers: markers(), y: { format: (v) => pct(v, 0), max: 1 },
    hlines: [{ y: 0, label: 'exhausted', color: '#c62828' }],
    series: [
      { name: `target ${target(w.current_target)}`, color: '#0969da', points: series(state.history, 'budget_remaining') },
      { name: `target ${target(w.target)}`, color: '#8250df', points: series(w.points, 'budget_remaining') },
    ],
  });
}

function start() {
  for (const b of document.querySelectorAll('#ranges button')) {
    b.addEventListener('click', () => { state.range = +b.dataset.range; loadHistory().catch(showError); });
  }
  $('whatif-run').addEventListener('click', () => runWhatIf().catch(showError));
  $('whatif-target').addEventListener('keydown', (e) => { if (e.key === 'Enter') runWhatIf().catch(showError); });
  let first = true;
  every(10000, async () => {
    await loadNow();
    if (first) { // until these load once; a failure tries again next time
      $('whatif-target').value = +(state.ev.target * 100).toFixed(4);
      await Promise.all([loadHistory(), loadCeiling(), loadCustomers()]);
      first = false;
    }
  });
  setInterval(() => { if (!document.hidden && state.ev) loadHistory().catch(showError); }, 60000);
  let resize;
  window.addEventListener('resize', () => { clearTimeout(resize); resize = setTimeout(renderCharts, 150); });
}

start();
