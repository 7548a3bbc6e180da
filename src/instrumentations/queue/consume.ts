import { propagation, ROOT_CONTEXT, SpanKind, trace, type Context, type Link, type Span } from '@opentelemetry/api';
import { INVALID_SPAN_CONTEXT, isSpanContextValid } from '@opentelemetry/api';
import { warnOnce } from '../../internal/diag.js';
import { describeError } from '../../internal/safe-call.js';
import { messagingAttributes, readInfo, spanName, type MessagingInfo } from './messaging-info.js';
import { messageHeaderGetter } from './message-headers.js';
import { runInSpan } from './run-in-span.js';
import { queueTracer } from './tracer.js';

/** Options of {@link traceConsume} and the broker wrappers. */
export interface TraceConsumeOptions {
  /**
   * Start each consumer span as the root of a new trace, linked to the producer's span, instead
   * of as its child (also linked). For consumers that run long after the message was sent, where
   * one trace per message reads better; the conventions allow both. Default `false`.
   */
  newTrace?: boolean;
}

/** A consumer span and the context its handler runs in. @internal */
export interface ConsumerSpan {
  span: Span;
  ctx: Context;
}

/**
 * Starts a CONSUMER span for a message whose headers carry the producer's context: a child of
 * the producer's span and linked to it (or a new root linked to it, with `newTrace`), in a
 * context holding the message's baggage. Without a valid producer context (headers missing,
 * malformed, from another tracer) a new trace starts. `undefined` when `info` is unusable or
 * starting failed (reported once).
 * @internal
 */
export function startConsumerSpan(info: unknown, headers: unknown, options: TraceConsumeOptions | undefined): ConsumerSpan | undefined {
  const read = readInfo(info);
  if (read === undefined) {
    warnOnce('queue.info', 'traceConsume() was given no `system` and `destination` strings; the message is handled untraced.');
    return undefined;
  }
  try {
    // Messages carry their own causality: the context around the consumer (where `consume` was
    // called, say) is not the message's, so extraction starts from the root context.
    const extracted = propagation.extract(ROOT_CONTEXT, headers, messageHeaderGetter);
    const producer = trace.getSpanContext(extracted);
    const links: Link[] = producer !== undefined && isSpanContextValid(producer) ? [{ context: producer }] : [];
    const operation = read.operation ?? 'process';
    const span = queueTracer().startSpan(
      spanName(operation, read.destination),
      { kind: SpanKind.CONSUMER, attributes: messagingAttributes(read, 'process', operation), links, root: options?.newTrace === true },
      extracted,
    );
    return { span, ctx: trace.setSpan(extracted, span) };
  } catch (err) {
    warnOnce('queue.consume', `tracing a consumed message failed (${describeError(err)}); messages are handled untraced.`);
    return undefined;
  }
}

/**
 * Handles a consumed message in a CONSUMER span (`process orders`) that continues the producer's
 * trace: the context is read from the message's `headers` (a plain object with string, Buffer or
 * array values in any key case, NATS `MsgHdrs`, or a `Map`), the span is a child of the producer's
 * span and linked to it (see {@link TraceConsumeOptions.newTrace}), and `handler(span)` runs with
 * the span active and the message's baggage restored.
 *
 * Returns what `handler` returns (for a promise, a promise of the same outcome); a throw or a
 * rejection is recorded on the span and reaches you unchanged. Headers that are missing,
 * malformed or from another tracer never throw: a new trace starts. Works under any tracer provider.
 *
 * @example
 * ```ts
 * for await (const m of subscription) {
 *   await traceConsume({ system: 'nats', destination: m.subject }, m.headers, () => handle(m));
 * }
 * ```
 */
export function traceConsume<T>(
  info: MessagingInfo,
  headers: unknown,
  handler: (span: Span) => T,
  options?: TraceConsumeOptions,
): T {
  const started = startConsumerSpan(info, headers, options);
  if (started === undefined) return handler(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  const { span, ctx } = started;
  return runInSpan(span, ctx, () => handler(span));
}

/**
 * Handles a batch of consumed messages in one CONSUMER span, linked to every message's producer
 * context (up to 128 links), as the conventions say for batches: a new trace, since a batch has
 * no single parent; `messaging.batch.message_count` is the batch size. Otherwise like
 * {@link traceConsume}.
 */
export function traceConsumeBatch<T>(info: MessagingInfo, headersOfEach: readonly unknown[], handler: (span: Span) => T): T {
  const read = readInfo(info);
  let span: Span;
  try {
    if (read === undefined || !Array.isArray(headersOfEach)) throw new TypeError('`info` needs `system` and `destination` strings, `headersOfEach` an array');
    const links: Link[] = [];
    for (let i = 0; i < headersOfEach.length && links.length < 128; i++) {
      const producer = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, headersOfEach[i], messageHeaderGetter));
      if (producer !== undefined && isSpanContextValid(producer)) links.push({ context: producer });
    }
    const operation = read.operation ?? 'process';
    const attributes = messagingAttributes(read, 'process', operation);
    attributes['messaging.batch.message_count'] = headersOfEach.length;
    span = queueTracer().startSpan(spanName(operation, read.destination), { kind: SpanKind.CONSUMER, attributes, links, root: true }, ROOT_CONTEXT);
  } catch (err) {
    warnOnce('queue.batch', `tracing a batch failed (${describeError(err)}); batches are handled untraced.`);
    return handler(trace.wrapSpanContext(INVALID_SPAN_CONTEXT));
  }
  return runInSpan(span, trace.setSpan(ROOT_CONTEXT, span), () => handler(span));
}
