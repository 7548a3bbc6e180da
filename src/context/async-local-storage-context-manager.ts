import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { Context, ContextManager } from '@opentelemetry/api';
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import { bindEmitter } from './bind-emitter.js';
import { bindFunction } from './bind-function.js';

/**
 * The OpenTelemetry `ContextManager` tracelight registers: one `AsyncLocalStorage` holds the
 * active context, so it follows `await`, timers, `process.nextTick`, microtasks and every other
 * async resource Node tracks.
 *
 * A drop-in for `AsyncLocalStorageContextManager` from `@opentelemetry/context-async-hooks`,
 * with the same `with`/`active`/`bind`/`enable`/`disable` behaviour except for event emitters:
 * a listener added through a bound emitter runs in the context that was active when it was
 * added (falling back to the bound context), where the official manager always uses the
 * context of the emitter's first `bind()` and so gives spans started in such listeners the
 * wrong parent. See {@link TracelightContextManager.bind}.
 *
 * @example
 * ```ts
 * import { context } from '@opentelemetry/api';
 * context.setGlobalContextManager(new TracelightContextManager());
 * ```
 */
export class TracelightContextManager implements ContextManager {
  private _als = new AsyncLocalStorage<Context>();
  /** Marks emitters bound by this instance, so two managers never share bookkeeping. */
  private readonly _emitterKey = Symbol('tracelight.boundEmitter');

  /** The active context, or `ROOT_CONTEXT` outside any {@link with} (and after {@link disable}). */
  active(): Context {
    return this._als.getStore() ?? ROOT_CONTEXT;
  }

  /**
   * Calls `fn` with `context` active and returns its result; the previous context is active
   * again afterwards, also when `fn` throws (the error reaches the caller unchanged).
   *
   * On the hot path of every span: no closure is created, and without `thisArg` the call goes
   * straight to `AsyncLocalStorage.run`. With a `thisArg`, `fn.bind(thisArg)` (as the official
   * manager does) measured faster on Node 20 than passing `Reflect.apply` or an apply helper to
   * `run`: a second `run` call site made even the no-`thisArg` path ~50% slower, while a bound
   * function is cheap to create and V8 inlines calls through it (see bench/context.bench.ts).
   * As in the official manager, `fn` sees `this === null` when no `thisArg` is given (that is
   * what `AsyncLocalStorage.run` passes).
   */
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    // One `run` call site only: keeps it monomorphic and inlinable.
    const cb = thisArg == null ? fn : (fn.bind(thisArg) as F);
    return this._als.run(context, cb, ...args);
  }

  /**
   * `with(context, fn, undefined, a, b)` without the rest parameter and spread: the `withSpan`
   * fast path, one `AsyncLocalStorage.run` with two arguments.
   * @internal
   */
  _run<A, B, R>(context: Context, fn: (a: A, b: B) => R, a: A, b: B): R {
    return this._als.run(context, fn, a, b);
  }

  /**
   * Binds `context` to `target`:
   * - a function: returns a wrapper that calls it with `context` active, passing its `this`,
   *   arguments and return value through unchanged;
   * - an `EventEmitter`: patches it in place (and returns it) so listeners added from now on run
   *   in a context of their own: the one active when the listener is added, or `context` when
   *   none is (ROOT) or when it is added from the very scope that called `bind()`. Removing
   *   listeners by the original function, `once`, `removeAllListeners`, `listeners()` and
   *   `rawListeners()` keep their stock behaviour. Binding the same emitter again updates
   *   `context` for listeners added afterwards.
   * - anything else is returned as is.
   *
   * **Deliberate divergence** from `@opentelemetry/context-async-hooks`: there a listener added
   * inside another context (e.g. body-parser's `req.on('end')` inside a middleware span, on a
   * request the http instrumentation bound to the server span) runs in the bound context when
   * emitted, so the spans it starts get the server span as parent instead of the middleware
   * span (opentelemetry-js issue #1152); and a second `bind()` of the same emitter is ignored.
   * Here such a listener keeps the context it was added in, like `AsyncResource.bind`.
   */
  bind<T>(context: Context, target: T): T {
    if (target instanceof EventEmitter) return bindEmitter(this, this._emitterKey, context, target);
    if (typeof target === 'function') return bindFunction(this, context, target);
    return target;
  }

  /** Nothing to switch on: the manager works from construction. Kept for the interface. */
  enable(): this {
    return this;
  }

  /**
   * Drops every context: `active()` returns `ROOT_CONTEXT` from now on, also in callbacks and
   * continuations that were scheduled inside a {@link with}. The storage is replaced rather than
   * only disabled, so contexts from before can never reappear if the manager is used again
   * (after {@link enable}, or through a later {@link with}). Safe to call more than once.
   */
  disable(): this {
    this._als.disable();
    this._als = new AsyncLocalStorage<Context>();
    return this;
  }
}

/**
 * A new instance of the `ContextManager` `init()` registers (one `AsyncLocalStorage`), enabled,
 * for a pipeline assembled by hand. A drop-in for `AsyncLocalStorageContextManager` from
 * `@opentelemetry/context-async-hooks`, except that a listener added through a bound event
 * emitter runs in the context that was active when it was added.
 *
 * @example
 * ```ts
 * import { context } from '@opentelemetry/api';
 * context.setGlobalContextManager(createContextManager());
 * ```
 */
export function createContextManager(): ContextManager {
  return new TracelightContextManager().enable();
}
