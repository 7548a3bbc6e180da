import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { Context, ContextManager } from '@opentelemetry/api';
import type { EventEmitter } from 'node:events';

type Listener = (...args: unknown[]) => unknown;
type AddMethod = (this: EventEmitter, event: string | symbol, listener: unknown, ...rest: unknown[]) => unknown;

/**
 * A listener wrapper. Its `listener` property points to the user's function: that is the
 * convention Node's own `once()` wrappers follow, so the stock `removeListener`/`off`,
 * `listeners()`, `listenerCount(event, fn)` and the `newListener`/`removeListener` events all
 * see the user's function without any bookkeeping of ours.
 */
type WrappedListener = Listener & { listener: Listener };

/** What one manager remembers about an emitter it has bound. Mutable: a later `bind()` updates it. */
interface EmitterBinding {
  /** The context given to the latest `bind()`. */
  context: Context;
  /** The context that was active when the latest `bind()` ran. */
  binderContext: Context;
}

/** Methods that add a listener for every emit. */
const ADD_METHODS = ['addListener', 'on', 'prependListener'] as const;
/** Methods that add a one-shot listener, each with the method it adds through. */
const ONCE_METHODS = [
  ['once', 'on'],
  ['prependOnceListener', 'prependListener'],
] as const;

/**
 * Patches the listener-adding methods of `ee` (on this instance only) so that every listener
 * added from now on runs in a context chosen when it is added:
 *
 * - the context that is active when the listener is added, if there is one (not ROOT) and it
 *   is not the scope `bind()` itself was called from;
 * - otherwise the context given to the latest `bind()` (the listener was added with no context
 *   of its own, e.g. from a callback that lost it, or by the code that asked for the binding).
 *
 * **Divergence from `@opentelemetry/context-async-hooks`.** The official manager always runs
 * a listener in the context given to the *first* `bind()` of the emitter. So a listener added
 * inside another context (say a middleware span, while the http instrumentation had bound the
 * request to the server span) and emitted from anywhere runs under the bound context, and spans
 * it starts get the wrong parent (opentelemetry-js issue #1152: body-parser's `end` listener
 * parents the following middleware spans to the server span). A second `bind()` of the same
 * emitter is ignored there; here the latest one wins.
 *
 * Removal needs no patch: wrappers carry `listener` (see {@link WrappedListener}), so removing
 * the original function works for listeners added twice, for several events, and for `once`
 * listeners before they fire; `removeAllListeners` is untouched.
 *
 * Each manager passes its own `key`, so two managers binding the same emitter stay independent.
 * @internal
 */
export function bindEmitter<T extends EventEmitter>(
  manager: ContextManager,
  key: symbol,
  context: Context,
  ee: T,
): T {
  const host = ee as unknown as Record<string | symbol, unknown>;
  const existing = host[key] as EmitterBinding | undefined;
  if (existing !== undefined) {
    existing.context = context;
    existing.binderContext = manager.active();
    return ee;
  }
  const binding: EmitterBinding = { context, binderContext: manager.active() };
  Object.defineProperty(ee, key, { value: binding, configurable: true, enumerable: false, writable: false });

  // Read every original before patching any: the once-patches add through the original methods,
  // so a once listener is wrapped exactly once.
  const originals = new Map<string, AddMethod>();
  for (const name of [...ADD_METHODS, 'once', 'prependOnceListener']) {
    const method = host[name];
    if (typeof method === 'function') originals.set(name, method as AddMethod);
  }
  for (const name of ADD_METHODS) {
    const original = originals.get(name);
    if (original !== undefined) setMethod(ee, name, patchAdd(manager, binding, original));
  }
  for (const [name, through] of ONCE_METHODS) {
    const original = originals.get(name);
    const add = originals.get(through);
    if (original !== undefined && add !== undefined) setMethod(ee, name, patchOnce(manager, binding, original, add));
  }
  return ee;
}

/** The context a listener added now will run in (see {@link bindEmitter}). */
function listenerContext(manager: ContextManager, binding: EmitterBinding): Context {
  const active = manager.active();
  return active === ROOT_CONTEXT || active === binding.binderContext ? binding.context : active;
}

function setMethod(ee: EventEmitter, name: string, fn: AddMethod): void {
  // Non-enumerable, like the prototype methods it shadows, so inspecting the emitter stays clean.
  Object.defineProperty(ee, name, { value: fn, configurable: true, enumerable: false, writable: true });
}

function patchAdd(manager: ContextManager, binding: EmitterBinding, original: AddMethod): AddMethod {
  return function contextBoundAdd(this: EventEmitter, event, listener, ...rest) {
    // Not a function: let the original method raise its usual error.
    if (typeof listener !== 'function') return original.call(this, event, listener, ...rest);
    const wrapped = wrapListener(manager, listenerContext(manager, binding), listener as Listener);
    return original.call(this, event, wrapped, ...rest);
  };
}

function patchOnce(
  manager: ContextManager,
  binding: EmitterBinding,
  original: AddMethod,
  add: AddMethod,
): AddMethod {
  return function contextBoundOnce(this: EventEmitter, event, listener, ...rest) {
    if (typeof listener !== 'function') return original.call(this, event, listener, ...rest);
    const wrapped = wrapOnce(manager, listenerContext(manager, binding), this, event, listener as Listener);
    return add.call(this, event, wrapped, ...rest);
  };
}

function wrapListener(manager: ContextManager, context: Context, listener: Listener): WrappedListener {
  const contextBoundListener = function contextBoundListener(this: unknown, ...args: unknown[]): unknown {
    return manager.with(context, listener, this, ...args);
  } as WrappedListener;
  contextBoundListener.listener = listener;
  return contextBoundListener;
}

/**
 * Our own one-shot wrapper, doing what Node's `onceWrapper` does (remove itself, then call the
 * listener once) plus the context: wrapping Node's wrapper instead would hide the user's function
 * one level deeper, where the stock `removeListener` cannot find it.
 */
function wrapOnce(
  manager: ContextManager,
  context: Context,
  ee: EventEmitter,
  event: string | symbol,
  listener: Listener,
): WrappedListener {
  let fired = false;
  const contextBoundOnceListener = function contextBoundOnceListener(this: unknown, ...args: unknown[]): unknown {
    if (fired) return undefined;
    fired = true;
    ee.removeListener(event, contextBoundOnceListener);
    return manager.with(context, listener, this, ...args);
  } as WrappedListener;
  contextBoundOnceListener.listener = listener;
  return contextBoundOnceListener;
}
