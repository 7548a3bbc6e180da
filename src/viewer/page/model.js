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

export function attr(list, key) {
  for (const kv of list || []) if (kv.key === key) return valueText(kv.value);
  return undefined;
}

const nanosToMs = (n) => Number(n) / 1e6;

/** Flattens an OTLP/JSON request into the spans of one trace (or all), each with its resource. */
export function spansOf(request, traceId) {
  const out = [];
  for (const rs of request.resourceSpans || []) {
    const resource = (rs.resource && rs.resource.attributes) || [];
    const service = attr(resource, 'service.name') || 'unknown_service';
    for (const ss of rs.scopeSpans || []) {
      for (const s of ss.spans || []) {
        if (traceId && s.traceId !== traceId) continue;
        out.push({
          id: s.spanId,
          parentId: s.parentSpanId || '',
          traceId: s.traceId,
          name: s.name,
          kind: s.kind || 0,
          service,
          start: nanosToMs(s.startTimeUnixNano),
          end: nanosToMs(s.endTimeUnixNano),
          attributes: s.attributes || [],
          events: s.events || [],
          links: s.links || [],
          status: s.status || { code: 0, message: '' },
          resource,
          scope: ss.scope || {},
          children: [],
          parent: null,
          depth: 0,
        });
      }
    }
  }
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
  const trace = { spans, byId, roots, start, end, duration: Math.max(0, end - start), errors };
  markCriticalPath(trace);
  return trace;
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
  for (const s of trace.spans) s.critical = false;
  const visit = (node, until) => {
    node.critical = true;
    let t = Math.min(node.end, until);
    const kids = node.children.slice().sort((a, b) => b.end - a.end);
    for (const c of kids) {
      if (c.critical) continue;
      if (c.end <= t + 1e-6 || (c.start < t && c.end > t)) {
        if (c.start >= t) continue;
        visit(c, t);
        t = c.start;
      }
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
      if (s.attributes.some((kv) => kv.key.toLowerCase() === k && valueText(kv.value).toLowerCase().includes(v))) out.add(s);
      continue;
    }
    if (s.name.toLowerCase().includes(needle) || s.service.toLowerCase().includes(needle)) { out.add(s); continue; }
    if (s.attributes.some((kv) => kv.key.toLowerCase().includes(needle) || valueText(kv.value).toLowerCase().includes(needle))) out.add(s);
  }
  return out;
}
