/**
 * Traces that cross a message queue: the producer's context travels in the message headers, and
 * the consumer's span continues the producer's trace (child and link), with its baggage.
 *
 * - Any broker whose messages carry headers: {@link tracePublish}, {@link traceConsume},
 *   {@link traceConsumeBatch}.
 * - RabbitMQ through amqplib: {@link traceAmqpChannel}. NATS: {@link traceNats}.
 *
 * Speaks only the OpenTelemetry API, so it works under any tracer provider; attributes follow the
 * messaging semantic conventions; nothing here ever throws into the application.
 * @module
 */
export { tracePublish } from './publish.js';
export { traceConsume, traceConsumeBatch } from './consume.js';
export { traceAmqpChannel, SETTLEMENT_ATTRIBUTE } from './amqp.js';
export { traceNats } from './nats.js';
export type { MessagingInfo } from './messaging-info.js';
export type { TraceConsumeOptions } from './consume.js';
export type { TraceNatsOptions, NatsHeaders } from './nats.js';
