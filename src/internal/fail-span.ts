import { SpanStatusCode, type Span } from '@opentelemetry/api';
import { errorOnce } from './diag.js';
import { describeError } from './safe-call.js';
import { describeThrown } from './thrown.js';

/**
 * Sets status ERROR with a safe description of `err` and records it as an exception event.
 * Never throws, whatever was thrown: the status is set first and each step is guarded on its
 * own, so a value that cannot be described still gives ERROR. @internal
 */
export function failSpan(span: Span, err: unknown): void {
  let described;
  try {
    if (!span.isRecording()) return;
    described = describeThrown(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: described.message });
  } catch (e) {
    errorOnce('span.fail', `recording an error on a span failed (${describeError(e)}).`);
    return;
  }
  try {
    span.recordException(described.exception);
  } catch (e) {
    errorOnce('span.fail', `recording an error on a span failed (${describeError(e)}).`);
  }
}
