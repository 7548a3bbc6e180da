import type { ReadableSpan } from '../internal/sdk.js';
import { hrTimeToNanos } from './waterfall/format-duration.js';

/** A span in a {@link buildSpanForest} forest. */
export interface SpanNode {
  readonly span: ReadableSpan;
  /** Start and end in epoch nanoseconds (the end never before the start). */
  readonly start: number;
  readonly end: number;
  children: SpanNode[];
  /** Why this span is a root although it has a parent: the parent is in another process, or not among the spans. */
  orphan?: 'remote' | 'missing';
}

/**
 * Nests spans by parent, the one tree builder of the console waterfall and the testing helpers.
 * Total on any input: every span appears exactly once (a duplicate span id keeps its first
 * span as the parent target, a span of another trace is never a child, spans caught in a parent
 * cycle become roots marked `missing`), in O(n log n). Siblings and roots are ordered by start
 * time, then span id.
 *
 * `nestRemote`: nest a span under a parent among `spans` even when that parent is remote (a
 * client span and the server span it caused, both in this process), as the waterfall shows them;
 * without it, such a span is a root marked `remote`.
 * @internal
 */
export function buildSpanForest(spans: readonly ReadableSpan[], nestRemote: boolean): SpanNode[] {
  const nodes: SpanNode[] = spans.map((span) => {
    const start = hrTimeToNanos(span.startTime);
    return { span, start, end: Math.max(start, hrTimeToNanos(span.endTime)), children: [] };
  });
  const byId = new Map<string, SpanNode>();
  for (const node of nodes) {
    const id = node.span.spanContext().spanId;
    if (!byId.has(id)) byId.set(id, node);
  }
  const parentOf = new Map<SpanNode, SpanNode>();
  for (const node of nodes) {
    const parent = node.span.parentSpanContext;
    if (parent === undefined) continue;
    const candidate = parent.isRemote && !nestRemote ? undefined : byId.get(parent.spanId);
    if (candidate !== undefined && candidate !== node && candidate.span.spanContext().traceId === node.span.spanContext().traceId) {
      parentOf.set(node, candidate);
    } else {
      node.orphan = parent.isRemote ? 'remote' : 'missing';
    }
  }
  for (const [child, parent] of parentOf) parent.children.push(child);

  // Spans in a parent cycle cannot be reached from a root: the first of each cycle becomes one.
  const reached = new Set<SpanNode>();
  const reach = (from: SpanNode): void => {
    const stack = [from];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (reached.has(node)) continue;
      reached.add(node);
      for (const child of node.children) stack.push(child);
    }
  };
  const roots: SpanNode[] = [];
  for (const node of nodes) {
    if (!parentOf.has(node)) {
      roots.push(node);
      reach(node);
    }
  }
  let cut = false;
  for (const node of nodes) {
    if (reached.has(node)) continue;
    parentOf.delete(node);
    node.orphan = 'missing';
    roots.push(node);
    reach(node);
    cut = true;
  }
  if (cut) {
    // Rebuild the children lists without the links that closed a cycle.
    for (const node of nodes) node.children = [];
    for (const [child, parent] of parentOf) parent.children.push(child);
  }
  sortForest(roots);
  return roots;
}

function byStart(a: SpanNode, b: SpanNode): number {
  if (a.start !== b.start) return a.start - b.start;
  const ia = a.span.spanContext().spanId;
  const ib = b.span.spanContext().spanId;
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

function sortForest(roots: SpanNode[]): void {
  const stack = [roots];
  while (stack.length > 0) {
    const list = stack.pop()!;
    list.sort(byStart);
    for (const node of list) stack.push(node.children);
  }
}
