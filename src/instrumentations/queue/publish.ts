import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { warnOnce } from '../../internal/diag.js';
import { describeError } from '../../internal/safe-call.js';
import { messagingAttributes, readInfo, spanName, type MessagingInfo } from './messaging-info.js';
import { recordSetter } from './message-headers.js';
import { runInSpan } from './run-in-span.js';
import { queueTracer } from './tracer.js';

/**
 * Publishes a message in a PRODUCER span (`publish orders`): starts the span as a child of the
 * active span, writes its context (`traceparent`, `tracestate`, `baggage`, by the registered
 * propagator) into a fresh headers object and calls `publish(headers)` with the span active.
 * Merge those headers into the message's own; they are a new object, yours to keep or change.
 *
 * Returns what `publish` returns (for a promise, a promise of the same outcome); a throw or a
 * rejection is recorded on the span and reaches you unchanged. When `info` is unusable the
 * message is published untraced, with empty headers. Works under any tracer provider.
 *
 * @example
 * ```ts
 * tracePublish({ system: 'kafka', destination: 'orders' }, (headers) =>
 *   producer.send({ topic: 'orders', messages: [{ value, headers }] }));
 * ```
 */
export function tracePublish<T>(info: MessagingInfo, publish: (headers: Record<string, string>) => T): T {
  const read = readInfo(info);
  if (read === undefined) {
    warnOnce('queue.info', 'tracePublish() was given no `system` and `destination` strings; the message is published untraced.');
    return publish({});
  }
  let span;
  let ctx;
  const headers: Record<string, string> = {};
  try {
    const operation = read.operation ?? 'publish';
    const active = context.active();
    span = queueTracer().startSpan(
      spanName(operation, read.destination),
      { kind: SpanKind.PRODUCER, attributes: messagingAttributes(read, 'send', operation) },
      active,
    );
    ctx = trace.setSpan(active, span);
    propagation.inject(ctx, headers, recordSetter);
  } catch (err) {
    warnOnce('queue.publish', `tracing a publish failed (${describeError(err)}); messages go out untraced.`);
    return publish(headers);
  }
  return runInSpan(span, ctx, () => publish(headers));
}
