import type { Context, ContextManager } from '@opentelemetry/api';

/**
 * Returns a function that calls `target` with `context` active, forwarding the caller's `this`
 * and arguments and returning `target`'s result unchanged (errors pass through untouched).
 *
 * Why a wrapper and not `target.bind(...)`: `Function.prototype.bind` would freeze `this`; a
 * bound callback must still see the receiver it is called with (event listeners, methods).
 * The wrapper reports `target.length` so libraries that branch on arity keep working.
 * @internal
 */
export function bindFunction<T extends Function>(manager: ContextManager, context: Context, target: T): T {
  const fn = target as unknown as (...args: unknown[]) => unknown;
  const contextBound = function contextBound(this: unknown, ...args: unknown[]): unknown {
    return manager.with(context, fn, this, ...args);
  };
  Object.defineProperty(contextBound, 'length', {
    configurable: true,
    enumerable: false,
    writable: false,
    value: target.length,
  });
  return contextBound as unknown as T;
}
