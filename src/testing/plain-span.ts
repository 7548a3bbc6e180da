import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '../internal/sdk.js';
import { buildSpanForest } from '../exporters/span-tree.js';
import type { SpanNode } from '../exporters/span-tree.js';

/** A finished span as a plain object, easy to assert on with `toMatchObject`/`deepEqual`. */
export interface PlainSpan {
  /** The span's name. */
  name: string;
  /** `SpanKind`, lowercase. */
  kind: 'internal' | 'server' | 'client' | 'producer' | 'consumer';
  /** 32 lowercase hex digits. */
  traceId: string;
  /** 16 lowercase hex digits. */
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  /** True when the parent came from another process (extracted from headers). */
  parentIsRemote: boolean;
  /** The span's status; `message` only when one was set. */
  status: {
    /** `'unset'` (the default), `'ok'` or `'error'` (OpenTelemetry's `SpanStatusCode` 0, 1, 2). */
    code: 'unset' | 'ok' | 'error';
    /** The status message, e.g. a thrown error's message. */
    message?: string;
  };
  /** The span's attributes, after redaction. */
  attributes: Attributes;
  /** Events in the order they were added (an exception is an event named `exception`). */
  events: Array<{
    /** The event's name. */
    name: string;
    /** The event's attributes, after redaction. */
    attributes: Attributes;
  }>;
  /** Links to other spans. */
  links: Array<{
    /** Trace id of the linked span (32 lowercase hex digits). */
    traceId: string;
    /** Span id of the linked span (16 lowercase hex digits). */
    spanId: string;
    /** The link's attributes, after redaction. */
    attributes: Attributes;
  }>;
  /** End minus start, in milliseconds. */
  durationMs: number;
}

/** A span with its children, siblings in start order. */
export interface SpanTree extends PlainSpan {
  /** Child spans, in start order. */
  children: SpanTree[];
}

const KINDS: Record<number, PlainSpan['kind']> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

const STATUS: Record<number, PlainSpan['status']['code']> = {
  [SpanStatusCode.UNSET]: 'unset',
  [SpanStatusCode.OK]: 'ok',
  [SpanStatusCode.ERROR]: 'error',
};

/** The plain-object view of a finished span. */
export function toPlainSpan(span: ReadableSpan): PlainSpan {
  const ctx = span.spanContext();
  const status: PlainSpan['status'] = { code: STATUS[span.status.code] ?? 'unset' };
  if (span.status.message) status.message = span.status.message;
  return {
    name: span.name,
    kind: KINDS[span.kind] ?? 'internal',
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    parentIsRemote: span.parentSpanContext?.isRemote === true,
    status,
    attributes: { ...span.attributes },
    events: span.events.map((e) => ({ name: e.name, attributes: { ...e.attributes } })),
    links: span.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      attributes: { ...l.attributes },
    })),
    durationMs: span.duration[0] * 1e3 + span.duration[1] / 1e6,
  };
}

/**
 * Nests spans by parent: roots are spans whose parent is absent, remote or not among `spans`;
 * siblings are ordered by start time (then span id). The tree builder the console waterfall uses.
 */
export function buildTree(spans: readonly ReadableSpan[]): SpanTree[] {
  const trees = new Map<SpanNode, SpanTree>();
  const tree = (node: SpanNode): SpanTree => {
    let t = trees.get(node);
    if (t === undefined) trees.set(node, (t = { ...toPlainSpan(node.span), children: [] }));
    return t;
  };
  // Without recursion, so a very deep trace cannot overflow the stack.
  const forest = buildSpanForest(spans, false);
  const stack = [...forest];
  while (stack.length > 0) {
    const node = stack.pop()!;
    tree(node).children = node.children.map(tree);
    for (const child of node.children) stack.push(child);
  }
  return forest.map(tree);
}
