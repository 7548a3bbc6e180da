import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { AttributeValue } from '@opentelemetry/api';
import type { ReadableSpan } from '../../internal/sdk.js';
import { displayWidth, fitEnd, fitStart, sanitizeText, truncateToWidth } from './display-width.js';
import { buildSpanForest } from '../span-tree.js';
import type { SpanNode } from '../span-tree.js';
import { DURATION_WIDTH, formatDuration, hrTimeToNanos } from './format-duration.js';
import { collapseMinimum, collapseSiblings } from './collapse-siblings.js';
import type { SiblingGroup, SiblingItem } from './collapse-siblings.js';

/** How {@link renderWaterfall} lays out its lines. */
export interface WaterfallOptions {
  /** Terminal columns; every returned line fits in it (80 when the output is not a terminal). */
  width: number;
  /** Wrap parts in ANSI colour codes; plain text when false. */
  color: boolean;
  /** Shown in each trace's header; defaults to the spans' `service.name` resource attribute. */
  serviceName?: string;
  /** Attribute keys shown after a span, in this order; defaults to {@link DEFAULT_WATERFALL_ATTRIBUTES}. */
  attributes?: readonly string[];
  /**
   * Fold near-identical siblings (same kind and name, and the same `db.query.text`,
   * `db.statement`, `url.full` or `http.url` when present) into one line with their count,
   * total, p50 and max: `true` (the default) from 3 of them, a number for another minimum (at
   * least 2), `false` to print every span. Failed members are still printed one by one.
   */
  collapseRepeated?: boolean | number;
  /**
   * Base URL of a running `tracelight view` (e.g. `http://127.0.0.1:4318`): each trace's header
   * is followed by its link, `<viewerUrl>/#/trace/<traceId>`. The link line is the one line
   * never cut to `width` (a cut link leads nowhere); a URL over 2048 characters is ignored.
   */
  viewerUrl?: string;
}

/**
 * Attributes worth a glance in a waterfall: what was served, what it answered, where a message
 * went, which database or RPC was called. Each is printed only when the span has it.
 */
export const DEFAULT_WATERFALL_ATTRIBUTES: readonly string[] = [
  'http.route',
  'http.response.status_code',
  'messaging.destination.name',
  'db.system.name',
  'rpc.method',
];

const ANSI = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  yellow: '\x1b[33m',
  cyan: '\x1b[36m',
} as const;

/** A piece of a line: its (already sanitised) text and the ANSI code to show it in, if any. */
type Segment = readonly [text: string, style: string];

const KIND_NAMES: Record<number, string> = {
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};
/** Widest kind name ("producer", "consumer"). */
const KIND_WIDTH = 8;
const BAR = '█';

interface Layout {
  width: number;
  color: boolean;
  nameWidth: number;
  kindWidth: number;
  barWidth: number;
  /** Columns from the start of a name to the end of its duration; the header's total ends there. */
  columnsWidth: number;
  attributes: readonly string[];
  /** Fewest near-identical siblings folded into one line; 0 folds nothing. */
  collapseMin: number;
  /** Viewer base URL without its trailing slash, or `undefined`. */
  viewerUrl: string | undefined;
}

/** Share of the width the bars get, from 60 columns up, so the timeline grows with the terminal. */
const BAR_SHARE = 0.45;
/**
 * The name column's share of the width (at least 28 columns where there is room); what is left
 * after the durations is room for errors and attributes on the span's own line.
 */
const NAME_SHARE = 0.25;

/**
 * Renders finished spans as one waterfall per trace: a header line, then one line per span in
 * tree order (children under their parent, siblings by start time) with its kind, a bar placed
 * on the trace's timeline, its duration, and a mark plus the message when it failed. Error
 * messages, key attributes and notes about remote or missing parents follow on the same line
 * when they fit, else on a line of their own below the span.
 *
 * Repeated siblings are folded into one line unless `collapseRepeated` is `false` (see
 * {@link WaterfallOptions.collapseRepeated}): `SELECT items ×300`, a bar from the first start to
 * the last end, then `N+1` (from 5), `total`, `p50`, `max`, the failures (the first 3 printed
 * after it) and the spans under the members not shown.
 *
 * Pure and total: it never throws, ignores nothing it was given, and every returned line fits in
 * `options.width` display columns whatever the span names contain (wide CJK characters, emoji,
 * combining marks, control characters and newlines are measured or stripped, long text is cut
 * with `…`), but the viewer link, which is never cut. Traces are separated by an empty line.
 *
 * @example
 * ```
 * trace 4bf92f3577b34da6a3ce929d0e0e4736  checkout-api                total 912 ms
 * GET /checkout                server    ██████████████████████████████  912 ms
 * ├─ auth.verify                         ██                               48 ms
 * └─ payment.charge            client       ████████████████████████     781 ms
 *      ✗ ERROR card declined
 * ```
 */
export function renderWaterfall(spans: readonly ReadableSpan[], options: WaterfallOptions): string[] {
  const layout = computeLayout(options);
  const lines: string[] = [];
  for (const group of groupByTrace(spans)) {
    if (lines.length > 0) lines.push('');
    renderTrace(group, layout, options.serviceName, lines);
  }
  return lines;
}

function computeLayout(options: WaterfallOptions): Layout {
  const width = Number.isFinite(options.width) && options.width >= 1 ? Math.floor(options.width) : 80;
  const kindWidth = width >= 60 ? KIND_WIDTH : 0;
  // A line: name, space, [kind, space], bar, space, duration.
  const kindColumns = kindWidth > 0 ? kindWidth + 1 : 0;
  let nameWidth: number;
  let barWidth: number;
  if (width >= 60) {
    barWidth = Math.round(width * BAR_SHARE);
    nameWidth = Math.min(width - barWidth - kindColumns - 2 - DURATION_WIDTH, Math.max(28, Math.round(width * NAME_SHARE)));
  } else {
    nameWidth = clamp(Math.floor(width * 0.35), 8, 40);
    barWidth = clamp(width - nameWidth - kindColumns - 2 - DURATION_WIDTH, 1, 48);
  }
  return {
    width,
    color: options.color,
    nameWidth,
    kindWidth,
    barWidth,
    columnsWidth: nameWidth + 1 + kindColumns + barWidth + 1 + DURATION_WIDTH,
    attributes: options.attributes ?? DEFAULT_WATERFALL_ATTRIBUTES,
    collapseMin: collapseMinimum(options.collapseRepeated),
    viewerUrl: viewerBase(options.viewerUrl),
  };
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}

/** Spans grouped by trace id, traces ordered by their earliest start. */
function groupByTrace(spans: readonly ReadableSpan[]): ReadableSpan[][] {
  const byTrace = new Map<string, ReadableSpan[]>();
  for (const span of spans) {
    const traceId = span.spanContext().traceId;
    const group = byTrace.get(traceId);
    if (group) group.push(span);
    else byTrace.set(traceId, [span]);
  }
  const groups = [...byTrace.values()];
  const first = (group: ReadableSpan[]): number => {
    let min = Infinity;
    for (const span of group) min = Math.min(min, hrTimeToNanos(span.startTime));
    return min;
  };
  return groups
    .map((group) => ({ group, start: first(group) }))
    .sort((a, b) => a.start - b.start)
    .map((entry) => entry.group);
}

function renderTrace(spans: readonly ReadableSpan[], layout: Layout, serviceName: string | undefined, out: string[]): void {
  const roots = buildSpanForest(spans, true);
  let t0 = Infinity;
  let t1 = -Infinity;
  for (const span of spans) {
    const s = hrTimeToNanos(span.startTime);
    const e = Math.max(s, hrTimeToNanos(span.endTime));
    if (s < t0) t0 = s;
    if (e > t1) t1 = e;
  }
  const traceId = spans[0]!.spanContext().traceId;
  out.push(headerLine(traceId, serviceName ?? resourceServiceName(spans), t1 - t0, layout));
  if (layout.viewerUrl !== undefined) out.push(viewerLine(traceId, layout));

  // Depth-first walk without recursion, so a very deep trace cannot overflow the stack.
  const stack: { item: SiblingItem; prefix: string; childPrefix: string }[] = [];
  const pushSiblings = (nodes: readonly SpanNode[], childPrefix: string, top: boolean): void => {
    const items = collapseSiblings(nodes, layout.collapseMin, nameOf);
    for (let i = items.length - 1; i >= 0; i--) {
      const last = i === items.length - 1;
      stack.push({
        item: items[i]!,
        prefix: top ? '' : childPrefix + (last ? '└─ ' : '├─ '),
        childPrefix: top ? '' : childPrefix + (last ? '   ' : '│  '),
      });
    }
  };
  pushSiblings(roots, '', true);
  const visited = new Set<SpanNode>();
  while (stack.length > 0) {
    const { item, prefix, childPrefix } = stack.pop()!;
    if (item.type === 'group') {
      groupLines(item, prefix, childPrefix, t0, t1 - t0, layout, out);
      continue;
    }
    const node = item.node;
    if (visited.has(node)) continue;
    visited.add(node);
    spanLines(node, prefix, childPrefix, t0, t1 - t0, layout, out);
    pushSiblings(node.children, childPrefix, false);
  }
}

/** The name a span is shown (and grouped) by. */
const nameOf = (node: SpanNode): string => displayName(node.span);

/** Longest viewer URL linked to; a longer one is ignored, so the link line stays bounded. */
const MAX_VIEWER_URL = 2048;

/** Base URL of the viewer, without trailing slashes; `undefined` when unset, not a string or too long. */
function viewerBase(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length > MAX_VIEWER_URL) return undefined;
  const base = sanitizeText(url).trim().replace(/\/+$/, '');
  return base === '' ? undefined : base;
}

/**
 * `view <viewerUrl>/#/trace/<traceId>`: the label goes when the line would not fit, the link is
 * never cut (a cut link leads nowhere; terminals wrap it and keep it clickable).
 */
function viewerLine(traceId: string, layout: Layout): string {
  const link = `${layout.viewerUrl}/#/trace/${sanitizeText(traceId)}`;
  const label = 'view ';
  const labelled = label.length + displayWidth(link) <= layout.width;
  if (!labelled) return link;
  return layout.color ? ANSI.dim + label + ANSI.reset + link : label + link;
}

function resourceServiceName(spans: readonly ReadableSpan[]): string {
  try {
    const name = spans[0]!.resource.attributes['service.name'];
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}

function headerLine(traceId: string, serviceName: string, totalNanos: number, layout: Layout): string {
  const label = 'trace ';
  const id = sanitizeText(traceId);
  const service = sanitizeText(serviceName);
  const total = `total ${formatDuration(totalNanos)}`;
  const fixed = label.length + displayWidth(id) + 2 + 2 + total.length;
  // The total ends where the durations end, when the header fits there.
  const room = Math.min(layout.width, Math.max(layout.columnsWidth, fixed + 1)) - fixed;
  if (room < 1) {
    return finishLine([[label, ANSI.dim], [id, ''], ['  ', ''], [service, ANSI.bold], ['  ', ''], [total, '']], layout);
  }
  const shownService = truncateToWidth(service, room);
  return finishLine(
    [
      [label, ANSI.dim],
      [id, ''],
      ['  ', ''],
      [fitEnd(shownService, room), ANSI.bold],
      ['  ', ''],
      [total, ''],
    ],
    layout,
  );
}

function spanLines(
  node: SpanNode,
  prefix: string,
  childPrefix: string,
  t0: number,
  total: number,
  layout: Layout,
  out: string[],
): void {
  const span = node.span;
  const failed = span.status?.code === SpanStatusCode.ERROR;
  const segments = lineSegments(prefix, displayName(span), '', span.kind, node.start - t0, node.end - node.start, total, failed, layout);
  emitLine(segments, suffixSegments(node, failed, layout), childPrefix, layout, out);
}

/**
 * A group of repeated siblings: `SELECT items ×300`, a bar from the first start to the last
 * end with that wall time in the duration column, then the N+1 mark, total, p50, max, how
 * many members failed (the first few printed next) and how many spans under the members are
 * not shown.
 */
function groupLines(
  group: SiblingGroup,
  prefix: string,
  childPrefix: string,
  t0: number,
  total: number,
  layout: Layout,
  out: string[],
): void {
  const first = group.members[0]!;
  const count = ` ×${group.members.length}`;
  const segments = lineSegments(prefix, nameOf(first), count, first.span.kind, group.start - t0, group.end - group.start, total, false, layout);
  const notes: Segment[] = [];
  const add = (text: string, style: string): void => {
    if (notes.length > 0) notes.push(['  ', '']);
    notes.push([text, style]);
  };
  if (group.nPlusOne) add('N+1', layout.color ? ANSI.bold + ANSI.yellow : '');
  add(`total ${formatDuration(group.total)}  p50 ${formatDuration(group.p50)}  max ${formatDuration(group.max)}`, '');
  const errors = group.errorCount;
  const shown = group.shownErrors.length;
  if (errors > 0) add(`✗ ${errors} error${errors === 1 ? '' : 's'} (${shown === errors ? 'below' : `first ${shown} below`})`, ANSI.red);
  if (group.hiddenDescendants > 0) add(`+${group.hiddenDescendants} child span${group.hiddenDescendants === 1 ? '' : 's'}`, ANSI.dim);
  emitLine(segments, notes, childPrefix, layout, out);
}

/**
 * The columns of a line: tree prefix, name (cut to its column, keeping `nameSuffix` whole
 * where there is room), kind, the bar on the trace's timeline, and the duration.
 */
function lineSegments(
  prefix: string,
  rawName: string,
  nameSuffix: string,
  kind: SpanKind,
  offset: number,
  duration: number,
  total: number,
  failed: boolean,
  layout: Layout,
): Segment[] {
  const shownPrefix = truncateToWidth(prefix, Math.max(0, layout.nameWidth - 2));
  const nameRoom = layout.nameWidth - displayWidth(shownPrefix);
  const name = sanitizeText(rawName);
  // The count outlives the name: `SELECT it… ×300`, unless the column is too narrow for both.
  const shown =
    nameSuffix !== '' && nameRoom > nameSuffix.length + 1
      ? fitEnd(truncateToWidth(name, nameRoom - nameSuffix.length) + nameSuffix, nameRoom)
      : fitEnd(name + nameSuffix, nameRoom);
  const segments: Segment[] = [
    [shownPrefix, ANSI.dim],
    [shown, prefix === '' ? ANSI.bold : ''],
    [' ', ''],
  ];
  if (layout.kindWidth > 0) {
    const kindName = KIND_NAMES[kind];
    if (kindName === undefined) segments.push([' '.repeat(layout.kindWidth + 1), '']);
    else segments.push([fitEnd(kindName, layout.kindWidth), ANSI.dim], [' ', '']);
  }
  segments.push(...bar(offset, duration, total, layout.barWidth, failed), [' ', ''], [fitStart(formatDuration(duration), DURATION_WIDTH), '']);
  return segments;
}

/** The line, with its notes after it when they fit, else on a line of their own below. */
function emitLine(segments: Segment[], notes: Segment[], childPrefix: string, layout: Layout, out: string[]): void {
  if (notes.length === 0) {
    out.push(finishLine(segments, layout));
    return;
  }
  const baseWidth = segmentsWidth(segments);
  const notesWidth = segmentsWidth(notes);
  if (baseWidth + 2 + notesWidth <= layout.width) {
    out.push(finishLine([...segments, ['  ', ''], ...notes], layout));
    return;
  }
  out.push(finishLine(segments, layout));
  out.push(finishLine([[childPrefix + '  ', ANSI.dim], ...notes], layout));
}

/**
 * The name to show: a server span named by its method alone (no route matched, or none known)
 * reads `GET /hi` with its `url.path`, so `/hi` and `/healthz` differ on screen. Display only:
 * the exported name stays the method, as the conventions ask.
 */
function displayName(span: ReadableSpan): string {
  const name = String(span.name);
  if (span.kind !== SpanKind.SERVER) return name;
  const attributes = span.attributes;
  const path = attributes['url.path'];
  if (typeof path !== 'string' || path === '' || attributes['http.route'] !== undefined) return name;
  return /^(?:[A-Z]+|_OTHER)$/.test(name) ? name + ' ' + path : name;
}

function bar(offset: number, duration: number, total: number, width: number, failed: boolean): Segment[] {
  let from = 0;
  let to = width;
  if (total > 0) {
    from = Math.round((offset / total) * width);
    to = Math.round(((offset + duration) / total) * width);
  }
  from = clamp(from, 0, width - 1);
  to = clamp(Math.max(to, from + 1), from + 1, width);
  return [
    [' '.repeat(from), ''],
    [BAR.repeat(to - from), failed ? ANSI.red : ANSI.cyan],
    [' '.repeat(width - to), ''],
  ];
}

/** Error mark and message, parent notes, then the requested attributes; empty when none apply. */
function suffixSegments(node: SpanNode, failed: boolean, layout: Layout): Segment[] {
  const parts: Segment[] = [];
  const add = (text: string, style: string): void => {
    if (parts.length > 0) parts.push(['  ', '']);
    parts.push([text, style]);
  };
  if (failed) {
    const message = errorMessage(node.span);
    add(message === '' ? '✗ ERROR' : `✗ ERROR ${truncateToWidth(message, 120)}`, ANSI.red);
  }
  if (node.orphan === 'remote') add('↳ remote parent', ANSI.yellow);
  else if (node.orphan === 'missing') add('(parent missing)', ANSI.yellow);
  const attributes = node.span.attributes ?? {};
  for (const key of layout.attributes) {
    const value = attributes[key];
    if (value === undefined || value === null) continue;
    add(`${sanitizeText(key)}=${truncateToWidth(formatValue(value), 60)}`, ANSI.dim);
  }
  return parts;
}

function errorMessage(span: ReadableSpan): string {
  const message = span.status?.message;
  if (typeof message === 'string' && message !== '') return sanitizeText(message);
  for (const event of span.events ?? []) {
    const m = event.name === 'exception' ? event.attributes?.['exception.message'] : undefined;
    if (typeof m === 'string' && m !== '') return sanitizeText(m);
  }
  return '';
}

function formatValue(value: AttributeValue): string {
  if (Array.isArray(value)) return sanitizeText(value.map((v) => String(v)).join(','));
  return sanitizeText(String(value));
}

function segmentsWidth(segments: readonly Segment[]): number {
  let width = 0;
  for (const [text] of segments) width += displayWidth(text);
  return width;
}

/**
 * Joins segments into one line of at most `layout.width` columns (cutting with `…` if needed),
 * drops trailing spaces, and adds colour codes when asked.
 */
function finishLine(segments: readonly Segment[], layout: Layout): string {
  const kept: [string, string][] = [];
  let used = 0;
  for (const [text, style] of segments) {
    if (text === '') continue;
    const w = displayWidth(text);
    if (used + w <= layout.width) {
      kept.push([text, style]);
      used += w;
      continue;
    }
    const room = layout.width - used;
    if (room > 0) kept.push([truncateToWidth(text, room), style]);
    break;
  }
  // Trailing spaces are noise in logs and in copy-paste.
  while (kept.length > 0) {
    const lastIndex = kept.length - 1;
    const trimmed = kept[lastIndex]![0].replace(/ +$/, '');
    if (trimmed === '') kept.pop();
    else {
      kept[lastIndex]![0] = trimmed;
      break;
    }
  }
  let line = '';
  for (const [text, style] of kept) {
    line += layout.color && style !== '' ? style + text + ANSI.reset : text;
  }
  return line;
}
