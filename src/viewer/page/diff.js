// A span-aligned diff of two traces: spans are matched by their path of (service, name) from the
// root and their rank among siblings with that same path, so the 3rd `SELECT` under `GET /cart`
// in A faces the 3rd in B. Each row says the duration in A and B and the change.

function pathKey(n) {
  return n.service + '\u0000' + n.name;
}

/** Rows of the diff in tree order: { depth, name, service, a, b, deltaMs, deltaPct, kind }. */
export function diffTraces(traceA, traceB) {
  const rows = [];
  const walk = (as, bs, depth) => {
    const rank = (list) => {
      const counts = new Map();
      return list.map((n) => {
        const k = pathKey(n);
        const i = counts.get(k) || 0;
        counts.set(k, i + 1);
        return [k + '\u0000' + i, n];
      });
    };
    const ra = rank(as);
    const rb = new Map(rank(bs));
    const used = new Set();
    for (const [key, a] of ra) {
      const b = rb.get(key);
      if (b) used.add(key);
      rows.push(row(a, b, depth));
      walk(a.children, b ? b.children : [], depth + 1);
    }
    for (const [key, b] of rb) {
      if (used.has(key)) continue;
      rows.push(row(undefined, b, depth));
      walk([], b.children, depth + 1);
    }
  };
  walk(traceA.roots, traceB.roots, 0);
  return rows;
}

function row(a, b, depth) {
  const n = a || b;
  const da = a ? a.end - a.start : undefined;
  const db = b ? b.end - b.start : undefined;
  const delta = da !== undefined && db !== undefined ? db - da : undefined;
  return {
    depth,
    name: n.name,
    service: n.service,
    a: da,
    b: db,
    deltaMs: delta,
    deltaPct: delta !== undefined && da > 0 ? (delta / da) * 100 : undefined,
    kind: !a ? 'added' : !b ? 'removed' : delta > Math.max(0.05 * da, 0.5) ? 'slower' : delta < -Math.max(0.05 * da, 0.5) ? 'faster' : 'same',
  };
}
