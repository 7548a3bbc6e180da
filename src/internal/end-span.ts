import type { Span } from '@opentelemetry/api';
import { errorOnce } from './diag.js';
import { describeError } from './safe-call.js';

/**
 * Ends `span` without ever throwing. Instrumentations end spans inside Node's own event emission
 * (`res.emit('finish')`, a client's 'response') and under any tracer provider: a span processor
 * that throws must not become an uncaught exception there. Every end path of an instrumentation
 * goes through this, and the work before it sits in a `try` that reports with
 * {@link reportEndFailure}.
 * @internal
 */
export function endSpanSafely(span: Span): void {
  try {
    span.end();
  } catch (err) {
    reportEndFailure(err);
  }
}

/**
 * Reports, once, that completing or ending a span threw; for the `catch` around an
 * instrumentation's end path (a `try` rather than a callback: no closure per request).
 * @internal
 */
export function reportEndFailure(err: unknown): void {
  errorOnce(
    'span.end',
    `ending a span threw (${describeError(err)}); the request carries on, the span may be incomplete. Check the span processors and exporters of the registered tracer provider.`,
  );
}
