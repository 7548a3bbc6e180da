/**
 * A mark for span processors whose `onStart` does nothing (our batch processor's), so the
 * tracer's processor chain need not call it for every span (bench/instructions/span.sh).
 * @internal
 */

const IGNORES_SPAN_START = Symbol('tracelight.ignoresSpanStart');

type Marked = { [IGNORES_SPAN_START]?: boolean };

/**
 * Marks `method`, an `onStart` that does nothing, as skippable. The mark is on the function
 * itself, so a subclass that overrides `onStart` is called as usual.
 * @internal
 */
export function markIgnoresSpanStart(method: (...args: never[]) => void): void {
  (method as Marked)[IGNORES_SPAN_START] = true;
}

/** Whether `processor.onStart` is a method marked by {@link markIgnoresSpanStart}. Never throws. @internal */
export function ignoresSpanStart(processor: { onStart?: unknown }): boolean {
  try {
    const method = processor.onStart;
    return typeof method === 'function' && (method as Marked)[IGNORES_SPAN_START] === true;
  } catch {
    return false;
  }
}
