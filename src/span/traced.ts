import { startAndRun, type WithSpanOptions } from './with-span.js';

/**
 * Wraps `fn` once so that every call runs in a span named `name` (see `withSpan`): `this`,
 * arguments and the return value pass through untouched, errors are recorded and rethrown, and
 * the wrapper keeps `fn.length` and `fn.name` so frameworks that inspect them still work. Inside
 * `fn`, reach the span with `trace.getActiveSpan()`. Not for constructors (`new` is not supported).
 *
 * @typeParam F - The wrapped function's type, which the wrapper keeps.
 * @example
 * const chargeCard = traced('charge-card', async (orderId: string) => { ... });
 */
export function traced<F extends (...args: any[]) => any>(name: string, fn: F, options?: WithSpanOptions): F {
  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    return startAndRun(name, options, fn, this, args);
  };
  Object.defineProperty(wrapped, 'length', { value: fn.length, configurable: true });
  Object.defineProperty(wrapped, 'name', { value: fn.name, configurable: true });
  return wrapped as unknown as F;
}
