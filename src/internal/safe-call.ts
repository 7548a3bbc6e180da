import { errorOnce } from './diag.js';

/**
 * Runs `fn` and returns its result, or `undefined` if it throws. The error is reported once per
 * `kind` through `diag`; it never reaches the caller. Use around user hooks and any of our own
 * work that runs inside user code.
 * @internal
 */
export function safeCall<T>(kind: string, what: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    errorOnce(kind, `${what} threw and was ignored (${describeError(err)}); fix it to get complete spans.`);
    return undefined;
  }
}

/** A short, safe description of any thrown value. @internal */
export function describeError(err: unknown): string {
  try {
    if (err instanceof Error) return `${err.name}: ${err.message}`;
    return String(err);
  } catch {
    return 'unprintable error';
  }
}
