import { SpanStatusCode } from '@opentelemetry/api';
import type { SpanNode } from '../span-tree.js';

/**
 * Folding of repeated siblings (an N+1 loop of queries, a fan-out of identical calls) into one
 * waterfall line, so 300 `SELECT items` read as one line with their count and timings.
 * @internal
 */

/** Fewest near-identical siblings folded into one line when `collapseRepeated` is `true`. */
export const DEFAULT_COLLAPSE_MIN = 3;
/** Near-identical siblings from which a folded line carries the N+1 mark. */
export const N_PLUS_ONE_MIN = 5;
/**
 * Failed members of a group printed on their own lines, at most: enough to read what went
 * wrong, bounded when every call of a loop fails (a service down).
 */
export const MAX_SHOWN_ERRORS = 3;

/**
 * Attributes that tell calls of the same name apart: the query a span ran, or the URL it called
 * (current and older semantic conventions). The first one present joins the span's key.
 */
const DISCRIMINATING_ATTRIBUTES = ['db.query.text', 'db.statement', 'url.full', 'http.url'] as const;

/** Repeated siblings shown as one line. */
export interface SiblingGroup {
  readonly type: 'group';
  /** Every member, in start order (errors included). */
  readonly members: readonly SpanNode[];
  /** First member's start and the latest end among members (epoch nanoseconds). */
  readonly start: number;
  readonly end: number;
  /** Sum of the members' durations (ns). */
  readonly total: number;
  /** Median duration, nearest rank: the ⌈n/2⌉-th smallest (ns). */
  readonly p50: number;
  /** Longest duration (ns). */
  readonly max: number;
  /** How many members have the ERROR status. */
  readonly errorCount: number;
  /** The first {@link MAX_SHOWN_ERRORS} failed members: printed on their own lines right after the group, with their children. */
  readonly shownErrors: readonly SpanNode[];
  /** Spans under the members that are not shown (descendants of the members not in `shownErrors`). */
  readonly hiddenDescendants: number;
  /** `N_PLUS_ONE_MIN` or more members. */
  readonly nPlusOne: boolean;
}

/** One line's worth of siblings: a span of its own, or a group of repeated ones. */
export type SiblingItem = { readonly type: 'span'; readonly node: SpanNode } | SiblingGroup;

/**
 * Normalises the `collapseRepeated` option: `false` → 0 (never fold), `true` or anything
 * unusable → {@link DEFAULT_COLLAPSE_MIN}, a number → that minimum (at least 2).
 */
export function collapseMinimum(option: boolean | number | undefined): number {
  if (option === false) return 0;
  if (typeof option === 'number' && Number.isFinite(option)) return Math.max(2, Math.floor(option));
  return DEFAULT_COLLAPSE_MIN;
}

/**
 * What makes siblings near-identical: the same kind, shown name and orphan mark, and the same
 * query text or URL (`db.query.text`, else `db.statement`, else `url.full`, else `http.url`)
 * when the span has one. Two `SELECT` spans with different queries stay apart.
 */
export function siblingKey(node: SpanNode, shownName: string): string {
  let discriminator = '';
  const attributes = node.span.attributes ?? {};
  for (const key of DISCRIMINATING_ATTRIBUTES) {
    const value = attributes[key];
    if (value !== undefined && value !== null) {
      discriminator = key + '=' + String(value);
      break;
    }
  }
  return `${node.span.kind}\u0000${node.orphan ?? ''}\u0000${shownName}\u0000${discriminator}`;
}

/**
 * The lines to print for one parent's children (sorted by start): siblings sharing a key with at
 * least `min` members (consecutive or not) become one group, placed where its first member
 * starts, followed by its first {@link MAX_SHOWN_ERRORS} failed members; every other span stays
 * on its own line, in order. A group is only formed where it hides at least two members, so
 * folding never prints more lines than it replaces. `min` 0 folds nothing. Each span is shown
 * once: on its own line, or in a group (a group's shown failures are both counted in it and
 * printed after it).
 */
export function collapseSiblings(children: readonly SpanNode[], min: number, nameOf: (node: SpanNode) => string): SiblingItem[] {
  if (min < 2 || children.length < min) return children.map((node) => ({ type: 'span', node }));
  const byKey = new Map<string, SpanNode[]>();
  const keys: string[] = [];
  for (const node of children) {
    const key = siblingKey(node, nameOf(node));
    keys.push(key);
    const members = byKey.get(key);
    if (members) members.push(node);
    else byKey.set(key, [node]);
  }
  // Decided once per key, so a loop of n siblings costs O(n), not O(n²).
  const folds = new Map<string, boolean>();
  for (const [key, members] of byKey) folds.set(key, members.length >= min && worthFolding(members));
  const items: SiblingItem[] = [];
  const emitted = new Set<string>();
  for (let i = 0; i < children.length; i++) {
    const key = keys[i]!;
    if (!folds.get(key)) {
      items.push({ type: 'span', node: children[i]! });
      continue;
    }
    if (emitted.has(key)) continue;
    emitted.add(key);
    const group = summarise(byKey.get(key)!);
    items.push(group);
    for (const node of group.shownErrors) items.push({ type: 'span', node });
  }
  return items;
}

const failed = (node: SpanNode): boolean => node.span.status?.code === SpanStatusCode.ERROR;

/** Whether a group would hide at least two members (the rest being failures shown anyway). */
function worthFolding(members: readonly SpanNode[]): boolean {
  let shown = 0;
  for (const node of members) if (failed(node) && shown < MAX_SHOWN_ERRORS) shown++;
  return members.length - shown >= 2;
}

function summarise(members: readonly SpanNode[]): SiblingGroup {
  const durations: number[] = [];
  const shownErrors: SpanNode[] = [];
  let errorCount = 0;
  let start = Infinity;
  let end = -Infinity;
  let total = 0;
  let hiddenDescendants = 0;
  for (const node of members) {
    const duration = node.end - node.start;
    durations.push(duration);
    total += duration;
    if (node.start < start) start = node.start;
    if (node.end > end) end = node.end;
    const isFailed = failed(node);
    if (isFailed) errorCount++;
    if (isFailed && shownErrors.length < MAX_SHOWN_ERRORS) shownErrors.push(node);
    else hiddenDescendants += countDescendants(node);
  }
  durations.sort((a, b) => a - b);
  return {
    type: 'group',
    members,
    start,
    end,
    total,
    p50: durations[Math.ceil(durations.length / 2) - 1]!,
    max: durations[durations.length - 1]!,
    errorCount,
    shownErrors,
    hiddenDescendants,
    nPlusOne: members.length >= N_PLUS_ONE_MIN,
  };
}

function countDescendants(node: SpanNode): number {
  let count = 0;
  const stack = [...node.children];
  while (stack.length > 0) {
    const child = stack.pop()!;
    count++;
    for (const grandchild of child.children) stack.push(grandchild);
  }
  return count;
}
