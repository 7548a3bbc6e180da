/**
 * A `Context` that is cheap to extend: `setValue` adds one small node in front of its parent
 * instead of copying every entry into a new `Map`, as the API's `BaseContext` does. Starting a
 * span makes one new context per span (`trace.setSpan`), so this is on the hot path of every
 * request.
 *
 * Lookups walk the chain, which is short: after {@link MAX_CHAIN} nodes the entries are folded
 * into one `Map`, so a lookup never looks at more than `MAX_CHAIN` nodes plus the parent the
 * chain started from (any `Context`, e.g. `ROOT_CONTEXT` or one another library made).
 * @internal
 */
import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

/** Longest chain before its entries are folded into one map. */
const MAX_CHAIN = 8;

/** Marks a key removed by `deleteValue` (so a parent's value is not seen through). */
const DELETED: unique symbol = Symbol('tracelight.context.deleted');

class LightContext implements Context {
  // `declare`d fields, assigned once in the constructor (see LightSpan).
  /**
   * The context this one extends: another LightContext, or any `Context` (the chain's base), or
   * undefined for an empty base (like `ROOT_CONTEXT`, without asking it).
   */
  private declare readonly _parent: Context | undefined;
  /** One entry (`_key`/`_value`), or several folded into `_entries`. */
  private declare readonly _key: symbol | undefined;
  private declare readonly _value: unknown;
  private declare readonly _entries: Map<symbol, unknown> | undefined;
  /** Number of LightContext nodes from here down to the base, this one included. */
  private declare readonly _depth: number;

  constructor(parent: Context | undefined, key: symbol | undefined, value: unknown, entries: Map<symbol, unknown> | undefined, depth: number) {
    this._parent = parent;
    this._key = key;
    this._value = value;
    this._entries = entries;
    this._depth = depth;
  }

  getValue(key: symbol): unknown {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let node: Context | undefined = this;
    while (node instanceof LightContext) {
      if (node._key === key) return node._value === DELETED ? undefined : node._value;
      const entries: Map<symbol, unknown> | undefined = node._entries;
      if (entries !== undefined) {
        // One lookup in the common case; `has` only tells an explicit undefined from a miss.
        const value = entries.get(key);
        if (value !== undefined) return value === DELETED ? undefined : value;
        if (entries.has(key)) return undefined;
      }
      node = node._parent;
    }
    return node === undefined ? undefined : node.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this._extend(key, value);
  }

  deleteValue(key: symbol): Context {
    return this._extend(key, DELETED);
  }

  private _extend(key: symbol, value: unknown): LightContext {
    if (this._depth < MAX_CHAIN) return new LightContext(this, key, value, undefined, this._depth + 1);
    // Fold the chain: newest entry wins, the base stays the fallback.
    const entries = new Map<symbol, unknown>();
    let base: Context | undefined = this;
    const nodes: LightContext[] = [];
    while (base instanceof LightContext) {
      nodes.push(base);
      base = base._parent;
    }
    for (let i = nodes.length - 1; i >= 0; i--) {
      const node = nodes[i]!;
      if (node._entries !== undefined) for (const [k, v] of node._entries) entries.set(k, v);
      if (node._key !== undefined) entries.set(node._key, node._value);
    }
    entries.set(key, value);
    return new LightContext(base, undefined, undefined, entries, 1);
  }
}

/**
 * An empty context whose `setValue` is cheap; it reads like `ROOT_CONTEXT` (nothing). Use it where
 * `ROOT_CONTEXT` would be extended on a hot path (e.g. as the base for an extracted context).
 * @internal
 */
export const LIGHT_ROOT_CONTEXT: Context = new LightContext(undefined, undefined, undefined, undefined, 1);

/**
 * A context with the same values as `ctx` whose `setValue` is cheap: `ctx` itself when it is
 * already light, else an empty light node in front of it. Call before `trace.setSpan` and the
 * like on a hot path.
 * @internal
 */
export function lightBase(ctx: Context): Context {
  if (ctx instanceof LightContext) return ctx;
  if (ctx === ROOT_CONTEXT) return LIGHT_ROOT_CONTEXT;
  return new LightContext(ctx, undefined, undefined, undefined, 1);
}
