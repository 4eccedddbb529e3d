// The overview: every SLO at a glance, worst first, with its firing
// alerts; and the same SLOs seen by customer tier and by customer.

import {
  api, el, fill, every, statusBadge, pct, target, burn, minutes, until, ago, budgetBar, sloPath, apiPath, showError, STATUS_RANK,
} from './app.js';

const state = { slos: [], alerts: [], sort: 'status', desc: false };
const $ = (id) => document.getElementById(id);
const TREND = { degrading: '↑ degrading', improving: '↓ improving', stable: '→ stable', unknown: '' };

// Filters live in the URL, so that a filtered view can be linked to.
function filters() {
  const q = new URLSearchParams(location.search);
  return { q: q.get('q') || '', service: q.get('service') || '', status: q.get('status') || '', label: q.get('label') || '' };
}

function setFilter(key, value) {
  const q = new URLSearchParams(location.search);
  if (value) q.set(key, value); else q.delete(key);
  history.replaceState(null, '', `${location.pathname}${q.toString() ? '?' + q : ''}${location.hash}`);
  render();
}

function labelsOf(s) { return Object.entries(s.labels || {}).map(([k, v]) => `${k}=${v}`); }

function matches(s, f) {
  if (f.service && s.service !== f.service) return false;
  if (f.status && s.status !== f.status) return false;
  if (f.label && !labelsOf(s).includes(f.label)) return false;
  if (f.q) {
    const hay = [s.service, s.slo, s.description, s.owner, s.measurement, ...labelsOf(s)].join(' ').toLowerCase();
    if (!hay.includes(f.q.toLowerCase())) return false;
  }
  return true;
}

const SORTS = {
  status: (a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status] || a.budget.remaining_ratio - b.budget.remaining_ratio,
  name: (a, b) => `${a.service}/${a.slo}`.localeCompare(`${b.service}/${b.slo}`),
  target: (a, b) => b.target - a.target,
  sli: (a, b) => (a.sli ?? 2) - (b.sli ?? 2),
  budget: (a, b) => a.budget.remaining_ratio - b.budget.remaining_ratio,
  burn: (a, b) => (b.burn_rate_1h ?? -1) - (a.burn_rate_1h ?? -1),
};

function alertsOf(s) { return state.alerts.filter((a) => a.service === s.service && a.slo === s.slo); }

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 };
const bySeverity = (a, b) => (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3);

// alertBadge names an alert, coloured by severity; a pending one says so.
function alertBadge(a) {
  const name = a.rule.startsWith('budget_') ? a.rule.replace('_', ' ') : a.rule;
  const title = `${a.state}, ${a.severity}: ${(a.annotations && a.annotations.summary) || a.rule}`;
  return el('span', { class: `badge sev-${a.severity}${a.state === 'pending' ? ' pending-alert' : ''}`, title, 'data-alert': a.rule },
    `${a.state === 'pending' ? 'pending: ' : ''}${name}`);
}

function row(s) {
  const alerts = alertsOf(s);
  const below = s.sli !== null && s.sli < s.target;
  return el('tr', { class: `row-${s.status}`, 'data-slo': `${s.service}/${s.slo}` },
    el('td', {}, statusBadge(s.status), s.status_since_start ? null : el('div', { class: 'muted small' }, 'since ' + ago(s.status_since))),
    el('td', {},
      el('a', { href: sloPath(s.service, s.slo) }, el('b', {}, s.service), ' / ', el('b', {}, s.slo)),
      s.description ? el('div', { class: 'muted small' }, s.description) : null,
      el('div', { class: 'sli-text', title: s.measurement || '' }, s.measurement || ''),
      el('div', { class: 'labels' }, labelsOf(s).map((l) => el('span', {}, l)), s.customers ? el('span', {}, `${s.customers} customers`) : null)),
    el('td', { class: 'num' }, el('b', {}, target(s.target)), el('div', { class: 'muted small' }, s.window)),
    el('td', { class: 'num' + (below ? ' error' : ''), 'data-field': 'sli' }, pct(s.sli)),
    el('td', { 'data-field': 'budget' },
      budgetBar(s.budget.remaining_ratio, s.status), ' ', el('b', { class: 'budget-pct' }, pct(s.budget.remaining_ratio, 1)),
      el('div', { class: 'muted small' }, `${minutes(s.budget.remaining_minutes)} of ${minutes(s.budget.total_minutes)}`,
        s.exhaustion && s.budget.remaining_ratio > 0 ? ` · runs out ${until(s.exhaustion)}` : '')),
    el('td', { class: 'num', 'data-field': 'burn' }, burn(s.burn_rate_1h), el('div', { class: 'muted small' }, TREND[s.trend] || '')),
    el('td', { 'data-field': 'alerts' }, alerts.length ? alerts.sort(bySeverity).map(alertBadge) : el('span', { class: 'muted small' }, 'none')));
}

function render() {
  const f = filters();
  $('q').value = f.q;
  fillSelect($('f-service'), [...new Set(state.slos.map((s) => s.service))], f.service, 'every service');
  fillSelect($('f-label'), [...new Set(state.slos.flatMap(labelsOf))].sort(), f.label, 'every label');
  $('f-status').value = f.status;

  const counts = {};
  for (const s of state.slos) counts[s.status] = (counts[s.status] || 0) + 1;
  const firing = state.alerts.filter((a) => a.state === 'firing').sort(bySeverity);
  fill($('summary'), 
    ...['exhausted', 'critical', 'warning', 'healthy', 'no_data'].map((st) => el('div', {
      class: `count${f.status === st ? ' selected' : ''}`, 'data-count': st, onclick: () => setFilter('status', f.status === st ? '' : st),
    }, el('b', {}, String(counts[st] || 0)), statusBadge(st))),
    el('div', { class: 'count', 'data-count': 'firing' }, el('b', {}, String(firing.length)), el('span', { class: 'badge firing' }, 'firing alerts')));

  const panel = $('firing');
  panel.classList.toggle('hidden', firing.length === 0);
  fill(panel, el('h2', {}, 'Firing alerts'), el('ul', {}, firing.map((a) => el('li', { 'data-alert': `${a.service}/${a.slo}/${a.rule}` },
    el('span', { class: `badge sev-${a.severity}` }, a.severity), ' ',
    el('a', { href: sloPath(a.service, a.slo) }, `${a.service}/${a.slo}`), el('span', { class: 'muted small' }, ` ${a.rule}: `),
    (a.annotations && a.annotations.summary) || a.rule, el('span', { class: 'muted small' }, ` · since ${ago(a.fired_at)}`)))));

  const sorted = state.slos.filter((s) => matches(s, f)).sort(SORTS[state.sort]);
  if (state.desc) sorted.reverse();
  fill(document.querySelector('#slos tbody'), ...(sorted.length ? sorted.map(row)
    : [el('tr', {}, el('td', { colspan: 7, class: 'muted' }, state.slos.length ? 'No SLO matches the filters.' : 'No SLOs are defined.'))]));
  $('shown').textContent = `${sorted.length} of ${state.slos.length} SLOs`;
}

function fillSelect(sel, values, chosen, all) {
  const have = [...sel.options].map((o) => o.value).join('\n');
  if (have !== ['', ...values].join('\n')) fill(sel, el('option', { value: '' }, all), ...values.map((v) => el('option', { value: v }, v)));
  sel.value = chosen;
}

async function loadSLOs() {
  const [slos, alerts] = await Promise.all([api('/api/v1/slos'), api('/api/v1/alerts')]);
  state.slos = slos.slos;
  state.alerts = alerts.alerts;
  render();
}

// By tier: the compliance of each customer tier, from the tiers report.
async function loadTiers() {
  const rep = await api('/api/v1/reports/tiers');
  const box = $('view-tiers');
  if (!rep.services || rep.services.length === 0) {
    fill(box, el('div', { class: 'card muted' }, 'No SLO is measured per customer: give a service a customers section to see tiers here.'));
    return;
  }
  fill(box, ...rep.services.map((svc) => el('div', { class: 'card', 'data-service': svc.service },
    el('h2', {}, `${svc.service} · ${svc.customers} customers`),
    el('table', { class: 'tiers' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Tier'), el('th', { class: 'num' }, 'Customers'), el('th', { class: 'num' }, 'Meeting all'),
        el('th', { class: 'num' }, 'Violating'), ...svc.slos.map((n) => el('th', { class: 'num' }, `${n} (meeting)`)), el('th', {}, 'Violators'))),
      el('tbody', {}, svc.tiers.map((t) => el('tr', { 'data-tier': t.tier, class: t.violating ? 'row-critical' : 'row-healthy' },
        el('td', {}, el('b', {}, t.tier)), el('td', { class: 'num' }, t.customers), el('td', { class: 'num' }, t.meeting_all),
        el('td', { class: 'num' + (t.violating ? ' error' : '') }, t.violating),
        ...t.slos.map((x) => el('td', { class: 'num' }, `${x.meeting}/${x.meeting + x.violating + x.no_data}`, el('div', { class: 'muted small' }, 'target ' + target(x.target)))),
        el('td', {}, (t.violators || []).map((c) => el('a', { href: '#customers', onclick: () => setFilterCustomers(c) }, c, ' '))))))))));
}

function setFilterCustomers(c) { $('cq').value = c; renderCustomers(); }

// By customer: every customer of every per-customer SLO, with its tier,
// worst first. A service may have thousands, so the evaluations are read
// when the view opens and then once a minute, and at most MAX_CUSTOMERS
// rows per service are drawn: the filter finds the others.
const MAX_CUSTOMERS = 300;
const customers = { at: 0, services: [] };

async function loadCustomers() {
  if (Date.now() - customers.at < 60000) return;
  const services = [...new Set(state.slos.filter((s) => s.customers > 0).map((s) => s.service))];
  const out = [];
  for (const service of services) {
    const slos = state.slos.filter((s) => s.service === service && s.customers > 0);
    const [who, ...evals] = await Promise.all([api(`/api/v1/customers/${encodeURIComponent(service)}`),
      ...slos.map((s) => api(apiPath(s.service, s.slo) + '/customers'))]);
    const byCustomer = new Map();
    for (const c of who.customers) byCustomer.set(c.customer, { name: c.customer, tier: c.tier, evs: {} });
    evals.forEach((e, i) => e.customers.forEach((ev) => {
      if (!byCustomer.has(ev.customer)) byCustomer.set(ev.customer, { name: ev.customer, tier: ev.tier, evs: {} });
      byCustomer.get(ev.customer).evs[slos[i].slo] = ev;
    }));
    const rank = (c) => Math.min(...slos.map((s) => (c.evs[s.slo] ? STATUS_RANK[c.evs[s.slo].status] : 3)));
    const rows = [...byCustomer.values()].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
    out.push({ service, slos: slos.map((s) => s.slo), rows });
  }
  customers.services = out;
  customers.at = Date.now();
  renderCustomers();
}

function customerCell(service, slo, c) {
  const ev = c.evs[slo];
  if (!ev) return el('td', { class: 'muted small' }, 'no events yet');
  return el('td', {}, el('a', { href: sloPath(service, slo, c.name) }, statusBadge(ev.status)), ' ',
    el('span', { class: ev.sli !== null && ev.sli < ev.target ? 'error' : '' }, pct(ev.sli)),
    el('span', { class: 'muted small' }, ` / ${target(ev.target)}`));
}

function renderCustomers() {
  const box = $('customers');
  if (customers.services.length === 0) {
    fill(box, el('div', { class: 'card muted' }, 'No SLO is measured per customer.'));
    return;
  }
  const q = $('cq').value.toLowerCase();
  fill(box, ...customers.services.map(({ service, slos, rows }) => {
    const shown = rows.filter((c) => !q || `${c.name} ${c.tier}`.toLowerCase().includes(q));
    return el('div', { class: 'card', 'data-service': service }, el('h2', {}, service),
      el('table', {},
        el('thead', {}, el('tr', {}, el('th', {}, 'Customer'), el('th', {}, 'Tier'), ...slos.map((n) => el('th', {}, n)))),
        el('tbody', {}, shown.slice(0, MAX_CUSTOMERS).map((c) => el('tr', { 'data-customer': c.name },
          el('td', {}, el('b', {}, c.name)), el('td', {}, c.tier), ...slos.map((n) => customerCell(service, n, c)))))),
      el('p', { class: 'muted small' }, shown.length > MAX_CUSTOMERS
        ? `Showing the ${MAX_CUSTOMERS} worst of ${shown.length} customers; filter to find another.`
        : `${shown.length} of ${rows.length} customers.`));
  }));
}

function view() { return (location.hash || '#slos').slice(1); }

async function refresh() {
  await loadSLOs();
  if (view() === 'tiers') await loadTiers();
  if (view() === 'customers') await loadCustomers();
}

function showView() {
  const v = ['slos', 'tiers', 'customers'].includes(view()) ? view() : 'slos';
  for (const a of document.querySelectorAll('#tabs a')) a.classList.toggle('active', a.dataset.view === v);
  for (const name of ['slos', 'tiers', 'customers']) $('view-' + name).classList.toggle('hidden', name !== v);
}

function start() {
  $('q').addEventListener('input', (e) => setFilter('q', e.target.value));
  $('f-service').addEventListener('change', (e) => setFilter('service', e.target.value));
  $('f-status').addEventListener('change', (e) => setFilter('status', e.target.value));
  $('f-label').addEventListener('change', (e) => setFilter('label', e.target.value));
  $('cq').addEventListener('input', renderCustomers);
  for (const th of document.querySelectorAll('th[data-sort]')) {
    th.addEventListener('click', () => {
      state.desc = state.sort === th.dataset.sort ? !state.desc : false;
      state.sort = th.dataset.sort;
      render();
    });
  }
  window.addEventListener('hashchange', () => { showView(); refresh().catch(showError); });
  showView();
  every(10000, refresh);
}

start();
