// The viewer page: the live trace list (server-sent events), search, the trace view (waterfall,
// details, search in trace, error jumps, critical path, groups), the diff, import and export.
import { buildTrace, markCriticalPath, searchSpans, spansOfCompact, visibleRows } from './model.js';
import { diffTraces } from './diff.js';
import { Waterfall, esc, fmtMs } from './waterfall.js';

const $ = (sel) => document.querySelector(sel);
// Figures for tests and benchmarks: open and toggle times (performance.now), when each trace was first shown.
const probe = (window.__tracelight = { openMs: [], toggleMs: [], shownAt: {}, renders: 0 });

const traces = new Map(); // traceId -> summary
const picked = new Set(); // traces ticked for the diff
let stats = null;
let current = null; // { id, trace, state }

// ---------- list ----------

function filterParams() {
  const p = new URLSearchParams();
  for (const el of $('#filters').elements) if (el.name && el.value) p.set(el.name, el.value);
  return p;
}

function filtering() {
  return [...filterParams().keys()].length > 0;
}

async function loadList() {
  const res = await fetch('/api/traces?' + filterParams());
  const body = await res.json();
  if (!filtering()) traces.clear();
  const fresh = new Map();
  for (const t of body.traces) fresh.set(t.traceId, t);
  if (filtering()) {
    traces.clear();
    for (const [k, v] of fresh) traces.set(k, v);
  } else for (const [k, v] of fresh) traces.set(k, v);
  setStats(body.stats);
  renderList();
}

function renderList() {
  const rows = [...traces.values()].sort((a, b) => b.startMs - a.startMs);
  const services = new Set();
  const runs = new Set();
  let html = '';
  for (const t of rows) {
    for (const s of t.services) services.add(s);
    runs.add(t.run);
    html += `<tr data-id="${t.traceId}"><td><input type="checkbox" class="pick" ${picked.has(t.traceId) ? 'checked' : ''}></td>`
      + `<td><a href="#/trace/${t.traceId}">${esc(t.rootName || '(no root)')}</a> <span class="muted">${t.traceId.slice(0, 8)}</span></td>`
      + `<td>${esc(t.rootService)}${t.services.length > 1 ? ` <span class="muted">+${t.services.length - 1}</span>` : ''}</td>`
      + `<td class="num">${t.spanCount}</td><td class="num${t.errorCount ? ' err' : ''}">${t.errorCount || ''}</td>`
      + `<td class="num">${fmtMs(t.durationMs)}</td><td>${new Date(t.startMs).toLocaleTimeString()}${t.run > 1 || runs.size > 1 ? ` <span class="muted">run ${t.run}</span>` : ''}</td></tr>`;
  }
  $('#traces tbody').innerHTML = html;
  $('#empty').hidden = rows.length > 0;
  const now = performance.now();
  for (const t of rows) if (!(t.traceId in probe.shownAt)) probe.shownAt[t.traceId] = performance.timeOrigin + now;
  $('#services').innerHTML = [...services].sort().map((s) => `<option value="${esc(s)}">`).join('');
  const runSelect = $('#filters select[name=run]');
  if (runs.size > 1 && runSelect.hidden) {
    runSelect.hidden = false;
    runSelect.innerHTML = '<option value="">all runs</option>' + [...runs].sort((a, b) => a - b).map((r) => `<option value="${r}">run ${r}</option>`).join('');
  }
  $('#diff-button').disabled = picked.size !== 2;
}

function setStats(s) {
  // The list response and the event stream race: an older reading never replaces a newer one.
  if (!s || (stats && s.seq < stats.seq)) return;
  stats = s;
  $('#stats').textContent = `${s.traces} traces · ${s.spans} spans · ${(s.bytes / 1048576).toFixed(1)} of ${(s.maxBytes / 1048576).toFixed(0)} MB`;
  const ev = $('#evicted');
  ev.hidden = s.evictedTraces === 0;
  ev.textContent = `${s.evictedTraces} older traces evicted (${s.evictedSpans} spans) to stay within memory`;
}

let refetch = 0;
function onTraces(body) {
  setStats(body.stats);
  if (filtering()) {
    clearTimeout(refetch);
    refetch = setTimeout(loadList, 100);
  } else {
    for (const t of body.traces) traces.set(t.traceId, t);
    renderList();
  }
  if (current && body.traces.some((t) => t.traceId === current.id)) {
    clearTimeout(current.reload);
    current.reload = setTimeout(() => openTrace(current.id, true), 150);
  }
}

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('traces', (e) => onTraces(JSON.parse(e.data)));
  events.addEventListener('stats', (e) => setStats(JSON.parse(e.data)));
  events.addEventListener('cleared', (e) => {
    traces.clear();
    picked.clear();
    setStats(JSON.parse(e.data));
    renderList();
  });
}

async function suggest() {
  const input = $('#filters input[name=attr]');
  const v = input.value;
  const eq = v.indexOf('=');
  const list = eq < 0 ? await (await fetch('/api/keys')).json() : (await (await fetch('/api/values?key=' + encodeURIComponent(v.slice(0, eq)))).json()).map((x) => v.slice(0, eq) + '=' + x);
  $('#attr-suggestions').innerHTML = list.slice(0, 100).map((s) => `<option value="${esc(s)}">`).join('');
}

// ---------- trace view ----------

async function fetchTrace(id) {
  const t0 = performance.now();
  const res = await fetch('/api/trace?id=' + encodeURIComponent(id));
  if (!res.ok) throw new Error('trace ' + id + ' is not held (evicted or cleared)');
  const compact = await res.json();
  const t1 = performance.now();
  const trace = buildTrace(spansOfCompact(compact));
  probe.phases = { fetchMs: t1 - t0, buildMs: performance.now() - t1 };
  return trace;
}

const waterfall = new Waterfall($('#waterfall'), {
  isCollapsed: (n) => current.state.collapsed.has(n.id),
  toggle(n) {
    const t0 = performance.now();
    const c = current.state.collapsed;
    if (c.has(n.id)) c.delete(n.id);
    else c.add(n.id);
    refreshRows();
    probe.toggleMs.push(performance.now() - t0);
  },
  toggleGroup(row) {
    const t0 = performance.now();
    current.state.expandedGroups.add(row.id);
    refreshRows();
    probe.toggleMs.push(performance.now() - t0);
  },
  collapseGroup(n) {
    const t0 = performance.now();
    current.state.expandedGroups.delete(n.parent.id + '|' + n.group.key);
    refreshRows();
    probe.toggleMs.push(performance.now() - t0);
  },
  select(n) {
    waterfall.selected = n;
    waterfall.render();
    showDetails(n);
  },
});

function refreshRows() {
  const { trace, state } = current;
  let only;
  if (state.search) only = state.matches;
  if (state.criticalOnly) {
    markCriticalPath(trace);
    const crit = new Set(trace.spans.filter((s) => s.critical));
    only = only ? new Set([...only].filter((s) => crit.has(s))) : crit;
  }
  waterfall.highlight = state.search ? state.matches : null;
  waterfall.critical = state.criticalOnly;
  waterfall.setRows(trace, visibleRows(trace, state, { only }));
}

async function openTrace(id, keepState) {
  const t0 = performance.now();
  const trace = await fetchTrace(id);
  const state = keepState && current && current.id === id ? current.state : { collapsed: new Set(), expandedGroups: new Set(), search: '', matches: null, criticalOnly: false, errorIndex: -1 };
  current = { id, trace, state };
  show('#trace-view');
  const root = trace.roots[0];
  $('#trace-title').textContent = `${root ? root.service + ' · ' + root.name : id} — ${trace.spans.length} spans, ${fmtMs(trace.duration)}${trace.errors ? `, ${trace.errors} errors` : ''}`;
  $('#critical').checked = state.criticalOnly;
  $('#trace-search').value = state.search;
  refreshRows();
  if (!keepState) {
    waterfall.el.scrollTop = 0;
    $('#details').innerHTML = '<p class="muted">Click a span for its attributes, events, links and resource. Keys: E / Shift+E next / previous error, / search.</p>';
  }
  const ms = performance.now() - t0;
  probe.openMs.push(ms);
  $('#open-time').textContent = `opened in ${ms.toFixed(0)} ms`;
}

function kvTable(flat) {
  if (!flat || flat.length === 0) return '<p class="muted">none</p>';
  let html = '<table>';
  for (let i = 0; i < flat.length; i += 2) html += `<tr><td>${esc(flat[i])}</td><td>${esc(flat[i + 1])}</td></tr>`;
  return html + '</table>';
}

const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

function showDetails(n) {
  const t = current.trace;
  let html = `<h2>${esc(n.name)}</h2><table>`
    + `<tr><td>service</td><td>${esc(n.service)}</td></tr><tr><td>duration</td><td>${fmtMs(n.end - n.start)}</td></tr>`
    + `<tr><td>start</td><td>+${fmtMs(n.start - t.start)}</td></tr><tr><td>kind</td><td>${KINDS[n.kind] || n.kind}</td></tr>`
    + `<tr><td>status</td><td class="${n.status.code === 2 ? 'err' : ''}">${['unset', 'ok', 'error'][n.status.code] || n.status.code}${n.status.message ? ': ' + esc(n.status.message) : ''}</td></tr>`
    + `<tr><td>span id</td><td>${n.id}</td></tr><tr><td>parent</td><td>${n.parentId || '—'}</td></tr>`
    + `<tr><td>scope</td><td>${esc((n.scope.name || '') + ' ' + (n.scope.version || ''))}</td></tr></table>`;
  if (n.group) html += `<p><span class="badge">N+1</span>${n.group.count} siblings alike: total ${fmtMs(n.group.total)}, p50 ${fmtMs(n.group.p50)}, max ${fmtMs(n.group.max)}</p>`;
  html += '<h3>Attributes</h3>' + kvTable(n.attributes);
  html += '<h3>Events</h3>' + (n.events.length === 0 ? '<p class="muted">none</p>' : n.events.map((e) => `<p><b>${esc(e.name)}</b> +${fmtMs(e.time - n.start)}</p>${kvTable(e.attributes)}`).join(''));
  html += '<h3>Links</h3>' + (n.links.length === 0 ? '<p class="muted">none</p>' : n.links.map((l) => `<p><a href="#/trace/${l.traceId}">${l.traceId.slice(0, 8)}…/${l.spanId}</a></p>${kvTable(l.attributes)}`).join(''));
  html += '<h3>Resource</h3>' + kvTable(n.resource);
  $('#details').innerHTML = html;
}

function jumpError(step) {
  if (!current) return;
  const errors = current.trace.spans.filter((s) => s.status.code === 2).sort((a, b) => a.start - b.start);
  if (errors.length === 0) return;
  const st = current.state;
  st.errorIndex = (st.errorIndex + step + errors.length) % errors.length;
  const n = errors[st.errorIndex];
  // Open the way to it: its ancestors expanded, its group too.
  for (let p = n.parent; p; p = p.parent) st.collapsed.delete(p.id);
  if (n.group && n.parent) st.expandedGroups.add(n.parent.id + '|' + n.group.key);
  refreshRows();
  waterfall.selected = n;
  waterfall.reveal(n);
  showDetails(n);
}

// ---------- diff ----------

async function openDiff(a, b) {
  const [ta, tb] = await Promise.all([fetchTrace(a), fetchTrace(b)]);
  show('#diff-view');
  $('#diff-title').textContent = `A ${a.slice(0, 8)} (${fmtMs(ta.duration)}) vs B ${b.slice(0, 8)} (${fmtMs(tb.duration)}): ${fmtMs(tb.duration - ta.duration)} ${tb.duration >= ta.duration ? 'slower' : 'faster'}`;
  $('#diff tbody').innerHTML = diffTraces(ta, tb).map((r) => `<tr class="${r.kind}"><td style="padding-left:${8 + r.depth * 14}px"><span class="svc">${esc(r.service)}</span>${esc(r.name)}</td>`
    + `<td class="num">${fmtMs(r.a) || '—'}</td><td class="num">${fmtMs(r.b) || '—'}</td>`
    + `<td class="num">${r.kind === 'added' ? 'only in B' : r.kind === 'removed' ? 'only in A' : (r.deltaMs >= 0 ? '+' : '−') + fmtMs(Math.abs(r.deltaMs)) + (r.deltaPct !== undefined ? ` (${r.deltaPct >= 0 ? '+' : ''}${r.deltaPct.toFixed(0)}%)` : '')}</td></tr>`).join('');
}

// ---------- routing, controls ----------

function show(sel) {
  for (const s of ['#list-view', '#trace-view', '#diff-view']) $(s).hidden = s !== sel;
}

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  if (parts[0] === 'trace' && parts[1]) return openTrace(parts[1], false);
  if (parts[0] === 'diff' && parts[1] && parts[2]) return openDiff(parts[1], parts[2]);
  current = null;
  show('#list-view');
}

$('#filters').addEventListener('input', (e) => {
  if (e.target.name === 'attr') suggest();
  clearTimeout(refetch);
  refetch = setTimeout(loadList, 150);
});
$('#filters').addEventListener('submit', (e) => e.preventDefault());
$('#traces tbody').addEventListener('click', (e) => {
  const tr = e.target.closest('tr');
  if (!tr) return;
  if (e.target.classList.contains('pick')) {
    if (e.target.checked) picked.add(tr.dataset.id);
    else picked.delete(tr.dataset.id);
    $('#diff-button').disabled = picked.size !== 2;
    return;
  }
  if (e.target.tagName !== 'A') location.hash = '#/trace/' + tr.dataset.id;
});
$('#diff-button').addEventListener('click', () => {
  const [a, b] = [...picked].sort((x, y) => traces.get(x).startMs - traces.get(y).startMs);
  location.hash = `#/diff/${a}/${b}`;
});
$('#clear').addEventListener('click', async () => {
  await fetch('/v1/traces', { method: 'DELETE' });
  await loadList();
});
$('#import').addEventListener('change', async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  const res = await fetch('/v1/traces', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: await file.text() });
  if (!res.ok) alert('Import failed: ' + (await res.text()));
  e.target.value = '';
});
$('#export').addEventListener('click', async () => {
  const body = await (await fetch('/v1/traces?traceId=' + current.id)).blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(body);
  a.download = `trace-${current.id}.json`;
  a.click();
});
$('#trace-search').addEventListener('input', (e) => {
  const st = current.state;
  st.search = e.target.value;
  st.matches = st.search ? searchSpans(current.trace, st.search) : null;
  $('#search-count').textContent = st.search ? `${st.matches.size} match${st.matches.size === 1 ? '' : 'es'}` : '';
  refreshRows();
});
$('#critical').addEventListener('change', (e) => {
  current.state.criticalOnly = e.target.checked;
  refreshRows();
});
$('#expand-all').addEventListener('click', () => {
  const t0 = performance.now();
  current.state.collapsed.clear();
  for (const s of current.trace.spans) if (s.group && s.parent) current.state.expandedGroups.add(s.parent.id + '|' + s.group.key);
  refreshRows();
  probe.toggleMs.push(performance.now() - t0);
});
$('#next-error').addEventListener('click', () => jumpError(1));
$('#prev-error').addEventListener('click', () => jumpError(-1));
document.addEventListener('keydown', (e) => {
  if (e.target.tagName === 'INPUT' || !current) return;
  if (e.key === 'e' || e.key === 'E') jumpError(e.shiftKey ? -1 : 1);
  else if (e.key === '/') {
    e.preventDefault();
    $('#trace-search').focus();
  } else if (e.key === 'Escape') location.hash = '#/';
});
window.addEventListener('hashchange', route);
$('#otlp-url').textContent = location.origin + '/v1/traces';

connect();
loadList().then(route);
