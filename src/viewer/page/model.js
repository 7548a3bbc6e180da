// The trace model of the page: OTLP/JSON in, a span tree out, with repeated siblings grouped
// (N+1), the critical path marked, and the rows the waterfall shows. Plain functions, no DOM.

/** Repeated near-identical siblings from this many on are collapsed into one row and marked N+1. */
export const REPEAT_THRESHOLD = 5;

export function valueText(v) {
  if (!v) return '';
  if ('stringValue' in v) return v.stringValue;
  if ('intValue' in v) return String(v.intValue);
  if ('doubleValue' in v) return String(v.doubleValue);
  if ('boolValue' in v) return String(v.boolValue);
  if ('bytesValue' in v) return v.bytesValue;
  if ('arrayValue' in v) return '[' + (v.arrayValue.values || []).map(valueText).join(', ') + ']';
  if ('kvlistValue' in v) return '{' + (v.kvlistValue.values || []).map((kv) => kv.key + ': ' + valueText(kv.value)).join(', ') + '}';
  return '';
}

// Attributes are flat arrays of text: [key, value, key, value, ...].

export function attr(flat, key) {
  for (let i = 0; i < flat.length; i += 2) if (flat[i] === key) return flat[i + 1];
  return undefined;
}

/** OTLP/JSON KeyValue list to the flat form. */
export function flatten(list) {
  const out = [];
  for (const kv of list || []) out.push(kv.key, valueText(kv.value));
  return out;
}

/** One span of the page; attributes, events and links are resolved from the trace's tables when first read. */
class SpanNode {
  constructor(c, s, services, resources) {
    this.table = c;
    this.raw = s;
    this.id = s[0];
    this.parentId = s[1];
    this.traceId = c.traceId;
    this.name = c.strings[s[2]];
    this.kind = s[3];
    this.service = services[s[8]];
    this.start = c.startMs + s[4];
    this.end = c.startMs + s[5];
    this.status = { code: s[6], message: c.strings[s[7]] };
    this.resource = resources[s[8]];
    this.scope = c.scopes[s[9]];
    this.children = [];
    this.parent = null;
    this.depth = 0;
    this.group = undefined;
    this.critical = false;
    this._attributes = undefined;
  }

  get attributes() {
    if (this._attributes === undefined) this._attributes = this.raw[10].map((i) => this.table.strings[i]);
    return this._attributes;
  }

  get events() {
    const e = this.raw[11];
    return e ? e.map((x) => ({ name: x.name, time: Number(x.timeUnixNano) / 1e6, attributes: flatten(x.attributes) })) : [];
  }

  get links() {
    const l = this.raw[12];
    return l ? l.map((x) => ({ traceId: x.traceId, spanId: x.spanId, attributes: flatten(x.attributes) })) : [];
  }
}

/** The spans of the compact trace form (`/api/trace?id=`, see src/viewer/compact-trace.ts). */
export function spansOfCompact(c) {
  const resources = c.resources.map((idx) => idx.map((i) => c.strings[i]));
  const services = resources.map((r) => attr(r, 'service.name') || 'unknown_service');
  const out = new Array(c.spans.length);
  for (let i = 0; i < c.spans.length; i++) out[i] = new SpanNode(c, c.spans[i], services, resources);
  return out;
}

/** What makes siblings "the same" for grouping: the query, the URL (ids taken out), or the name. */
export function repeatKey(node) {
  const q = attr(node.attributes, 'db.query.text') ?? attr(node.attributes, 'db.statement');
  if (q !== undefined) return 'db: ' + q;
  const url = attr(node.attributes, 'url.full') ?? attr(node.attributes, 'http.url');
  if (url !== undefined) {
    const method = attr(node.attributes, 'http.request.method') ?? attr(node.attributes, 'http.method') ?? '';
    return 'url: ' + method + ' ' + url.replace(/\?.*$/, '').replace(/\/[0-9a-f-]*\d[0-9a-f-]*(?=\/|$)/gi, '/{id}');
  }
  return 'name: ' + node.service + ' ' + node.name;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Builds the tree: roots, children by start time, depth, groups of repeated siblings. */
export function buildTrace(spans) {
  const byId = new Map();
  for (const s of spans) byId.set(s.id, s);
  const roots = [];
  for (const s of spans) {
    const parent = s.parentId ? byId.get(s.parentId) : undefined;
    if (parent && parent !== s) {
      s.parent = parent;
      parent.children.push(s);
    } else roots.push(s);
  }
  const byStart = (a, b) => a.start - b.start || a.end - b.end;
  roots.sort(byStart);
  let start = Infinity;
  let end = -Infinity;
  let errors = 0;
  const stack = roots.map((r) => [r, 0]);
  const seen = new Set();
  const ordered = [];
  while (stack.length > 0) {
    const [n, depth] = stack.pop();
    if (seen.has(n)) continue; // a cycle of parent ids: shown once
    seen.add(n);
    n.depth = depth;
    ordered.push(n);
    if (n.start < start) start = n.start;
    if (n.end > end) end = n.end;
    if (n.status.code === 2) errors++;
    n.children.sort(byStart);
    n.groups = groupChildren(n.children);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push([n.children[i], depth + 1]);
  }
  // Spans in a parent cycle were never reached from a root: show them as roots.
  for (const s of spans) if (!seen.has(s)) { s.parent = null; roots.push(s); seen.add(s); }
  // The critical path is marked when first asked for (markCriticalPath), not on open.
  return { spans, byId, roots, start, end, duration: Math.max(0, end - start), errors, criticalMarked: false };
}

/** Groups of REPEAT_THRESHOLD or more siblings with the same repeatKey, with their statistics. */
export function groupChildren(children) {
  if (children.length < REPEAT_THRESHOLD) return [];
  const byKey = new Map();
  for (const c of children) {
    const k = repeatKey(c);
    let list = byKey.get(k);
    if (!list) byKey.set(k, (list = []));
    list.push(c);
  }
  const groups = [];
  for (const [key, members] of byKey) {
    if (members.length < REPEAT_THRESHOLD) continue;
    const durations = members.map((m) => m.end - m.start).sort((a, b) => a - b);
    const group = {
      key,
      members,
      count: members.length,
      total: durations.reduce((a, b) => a + b, 0),
      p50: percentile(durations, 0.5),
      max: durations[durations.length - 1],
      start: Math.min(...members.map((m) => m.start)),
      end: Math.max(...members.map((m) => m.end)),
      errors: members.filter((m) => m.status.code === 2).length,
      nPlusOne: true,
    };
    for (const m of members) m.group = group;
    groups.push(group);
  }
  return groups;
}

/**
 * Marks the spans on the critical path: from each root, the child that finished last before its
 * parent's end, then the one that finished last before that child started, and so on, recursively.
 */
export function markCriticalPath(trace) {
  if (trace.criticalMarked) return;
  trace.criticalMarked = true;
  for (const s of trace.spans) s.critical = false;
  const visit = (node, until) => {
    node.critical = true;
    let t = Math.min(node.end, until);
    const kids = node.children.slice().sort((a, b) => b.end - a.end);
    for (const c of kids) {
      // Finished before t, or still running at t (overlapping): on the path up to t.
      if (c.critical || c.start >= t) continue;
      visit(c, t);
      t = c.start;
    }
  };
  for (const r of trace.roots) visit(r, Infinity);
}

/**
 * The rows to show: spans in tree order, children of collapsed spans left out, groups of
 * repeated siblings as one row unless expanded. `options.only` (a Set of spans) keeps those and
 * their ancestors (search, critical path).
 */
export function visibleRows(trace, state, options = {}) {
  const rows = [];
  const only = options.only;
  const keep = only ? ancestorsOf(only) : undefined;
  const walk = (node) => {
    if (keep && !keep.has(node)) return;
    rows.push({ type: 'span', node, depth: node.depth });
    if (state.collapsed.has(node.id)) return;
    const emitted = new Set();
    for (const c of node.children) {
      const g = c.group;
      if (g && !state.expandedGroups.has(groupId(node, g))) {
        if (emitted.has(g)) continue;
        emitted.add(g);
        if (keep && !g.members.some((m) => keep.has(m))) continue;
        rows.push({ type: 'group', group: g, parent: node, depth: node.depth + 1, id: groupId(node, g) });
        continue;
      }
      walk(c);
    }
  };
  for (const r of trace.roots) walk(r);
  return rows;
}

export function groupId(parent, group) {
  return parent.id + '|' + group.key;
}

function ancestorsOf(set) {
  const out = new Set();
  for (const s of set) {
    for (let n = s; n && !out.has(n); n = n.parent) out.add(n);
  }
  return out;
}

/** Spans whose name, service or any attribute key or value contains `text` (case-insensitive). */
export function searchSpans(trace, text) {
  const needle = text.trim().toLowerCase();
  const out = new Set();
  if (!needle) return out;
  const eq = needle.indexOf('=');
  for (const s of trace.spans) {
    if (eq > 0) {
      const k = needle.slice(0, eq);
      const v = needle.slice(eq + 1);
      const a = s.attributes;
      for (let i = 0; i < a.length; i += 2) if (a[i].toLowerCase() === k && a[i + 1].toLowerCase().includes(v)) { out.add(s); break; }
      continue;
    }
    if (s.name.toLowerCase().includes(needle) || s.service.toLowerCase().includes(needle)) { out.add(s); continue; }
    if (s.attributes.some((x) => x.toLowerCase().includes(needle))) out.add(s);
  }
  return out;
}
