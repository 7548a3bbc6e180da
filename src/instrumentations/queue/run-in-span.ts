import { context, type Context, type Span } from '@opentelemetry/api';
import { endSpanSafely } from '../../internal/end-span.js';
import { failSpan } from '../../internal/fail-span.js';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}

/**
 * Runs `fn` with `ctx` active and ends `span` when it returns or, for a promise (or other
 * thenable), when that settles; a throw or rejection is recorded on the span and passed on
 * unchanged. Returns what `fn` returns; for a thenable, a native promise of the same outcome (a
 * promise of ours that rejects with the user's error, so an unhandled rejection still surfaces
 * as one). `onEnd` runs just before the span ends.
 * @internal
 */
export function runInSpan<T>(span: Span, ctx: Context, fn: () => T, onEnd?: () => void): T {
  let result: T;
  try {
    result = context.with(ctx, fn);
  } catch (err) {
    failSpan(span, err);
    finish(span, onEnd);
    throw err;
  }
  if (!isThenable(result)) {
    finish(span, onEnd);
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      finish(span, onEnd);
      return value;
    },
    (err: unknown) => {
      failSpan(span, err);
      finish(span, onEnd);
      throw err;
    },
  ) as T;
}

function finish(span: Span, onEnd: (() => void) | undefined): void {
  if (onEnd !== undefined) {
    try {
      onEnd();
    } catch {
      // our own bookkeeping; never in the user's way
    }
  }
  endSpanSafely(span);
}
