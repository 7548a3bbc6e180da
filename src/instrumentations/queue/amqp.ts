import type { Span } from '@opentelemetry/api';
import { warnOnce } from '../../internal/diag.js';
import { describeError } from '../../internal/safe-call.js';
import { startConsumerSpan, type TraceConsumeOptions } from './consume.js';
import type { MessagingInfo } from './messaging-info.js';
import { tracePublish } from './publish.js';
import { runInSpan } from './run-in-span.js';

/** The parts of an amqplib message the wrapper reads. */
interface AmqpMessage {
  content?: { length?: number };
  fields?: { deliveryTag?: number; exchange?: string; routingKey?: string };
  properties?: { headers?: unknown; messageId?: unknown; correlationId?: unknown };
}

type AnyFunction = (...args: unknown[]) => unknown;

/** Marks a wrapped channel, so wrapping twice changes nothing. */
const WRAPPED = Symbol.for('tracelight.queue.amqp-channel');

/** Attribute naming how a consumed message was settled (`ack`, `nack` or `reject`). */
export const SETTLEMENT_ATTRIBUTE = 'tracelight.messaging.settlement';

/** The spans of messages being handled on one channel, for `ack`/`nack` to record on. */
interface ChannelState {
  open: Map<AmqpMessage, Span>;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function publishInfo(exchange: unknown, routingKey: unknown, content: unknown, options: unknown): MessagingInfo {
  const ex = text(exchange) ?? '';
  const key = text(routingKey) ?? '';
  const opts = (options ?? {}) as { messageId?: unknown; correlationId?: unknown };
  return {
    system: 'rabbitmq',
    destination: ex !== '' ? ex : key,
    messageId: text(opts.messageId),
    conversationId: text(opts.correlationId),
    bodySize: (content as { length?: number } | undefined)?.length,
    attributes: { 'messaging.rabbitmq.destination.routing_key': key },
  };
}

function consumeInfo(queue: unknown, msg: AmqpMessage): MessagingInfo {
  const fields = msg.fields ?? {};
  const properties = msg.properties ?? {};
  const attributes: MessagingInfo['attributes'] = {};
  if (typeof fields.routingKey === 'string') attributes['messaging.rabbitmq.destination.routing_key'] = fields.routingKey;
  if (typeof fields.deliveryTag === 'number') attributes['messaging.rabbitmq.message.delivery_tag'] = fields.deliveryTag;
  return {
    system: 'rabbitmq',
    destination: text(queue) ?? '',
    messageId: text(properties.messageId),
    conversationId: text(properties.correlationId),
    bodySize: msg.content?.length,
    attributes,
  };
}

/** `options` with `headers` merged under the user's own (theirs win); neither object is changed. */
function withTraceHeaders(options: unknown, headers: Record<string, string>): object {
  const opts = options !== null && typeof options === 'object' ? options : {};
  const own = (opts as { headers?: unknown }).headers;
  return { ...opts, headers: own !== null && typeof own === 'object' ? { ...headers, ...own } : headers };
}

function settle(state: ChannelState, message: unknown, kind: string, allUpTo: unknown, requeue: unknown): void {
  try {
    const record = (span: Span) => {
      span.addEvent(kind, { 'messaging.rabbitmq.multiple': allUpTo === true, ...(kind === 'ack' ? {} : { 'messaging.rabbitmq.requeue': requeue !== false }) });
      span.setAttribute(SETTLEMENT_ATTRIBUTE, kind);
    };
    if (message === undefined) {
      for (const span of state.open.values()) record(span); // ackAll / nackAll
      return;
    }
    const span = state.open.get(message as AmqpMessage);
    if (span !== undefined) record(span);
    if (allUpTo === true) {
      const tag = (message as AmqpMessage).fields?.deliveryTag;
      if (typeof tag !== 'number') return;
      for (const [other, otherSpan] of state.open) {
        const otherTag = other.fields?.deliveryTag;
        if (other !== message && typeof otherTag === 'number' && otherTag <= tag) record(otherSpan);
      }
    }
  } catch (err) {
    warnOnce('queue.amqp.settle', `recording a message settlement failed (${describeError(err)}); the settlement itself went through.`);
  }
}

/**
 * Traces an amqplib channel (promise or callback API, `ConfirmChannel` too; amqplib 0.10 and
 * 2.x) and returns it: `publish` and `sendToQueue` run in PRODUCER spans and carry the trace
 * context in the message headers (your own headers and options are kept and never mutated; your
 * own `traceparent` wins); every `consume` callback runs in a CONSUMER span continuing the
 * producer's trace; `ack`, `nack`, `reject`, `ackAll` and `nackAll` of a message still being
 * handled are recorded on its span (an event, and the `tracelight.messaging.settlement`
 * attribute). Return values (`false` from `publish` when the buffer is full), errors and every
 * other method are untouched; a `null` message (consumer cancelled by the broker) is passed on
 * as is. A consumer span ends when the callback returns or its promise settles.
 *
 * @example
 * ```ts
 * const channel = traceAmqpChannel(await connection.createChannel());
 * ```
 */
export function traceAmqpChannel<C extends object>(channel: C, options?: TraceConsumeOptions): C {
  try {
    if (channel === null || typeof channel !== 'object') return channel;
    const ch = channel as unknown as Record<PropertyKey, unknown>;
    if (ch[WRAPPED] === true) return channel;
    const publish = ch['publish'];
    const consume = ch['consume'];
    if (typeof publish !== 'function' || typeof consume !== 'function') {
      warnOnce('queue.amqp.shape', 'traceAmqpChannel() was given an object without `publish` and `consume`; it is left untraced.');
      return channel;
    }
    const state: ChannelState = { open: new Map() };
    const newTrace = options?.newTrace === true;

    // sendToQueue calls this.publish('', queue, …) in every amqplib version, so it is traced here.
    ch['publish'] = function tracedPublish(this: unknown, exchange: unknown, routingKey: unknown, content: unknown, opts?: unknown, ...rest: unknown[]) {
      let info;
      try {
        info = publishInfo(exchange, routingKey, content, opts);
      } catch {
        return (publish as AnyFunction).call(this, exchange, routingKey, content, opts, ...rest);
      }
      return tracePublish(info, (headers) => (publish as AnyFunction).call(this, exchange, routingKey, content, withTraceHeaders(opts, headers), ...rest));
    };

    ch['consume'] = function tracedConsume(this: unknown, queue: unknown, onMessage: unknown, ...rest: unknown[]) {
      if (typeof onMessage !== 'function') return (consume as AnyFunction).call(this, queue, onMessage, ...rest);
      const traced = function (this: unknown, msg: unknown) {
        if (msg === null || typeof msg !== 'object') return (onMessage as AnyFunction).call(this, msg);
        const message = msg as AmqpMessage;
        let started;
        try {
          started = startConsumerSpan(consumeInfo(queue, message), message.properties?.headers, { newTrace });
        } catch {
          started = undefined;
        }
        if (started === undefined) return (onMessage as AnyFunction).call(this, msg);
        state.open.set(message, started.span);
        return runInSpan(started.span, started.ctx, () => (onMessage as AnyFunction).call(this, msg), () => state.open.delete(message));
      };
      return (consume as AnyFunction).call(this, queue, traced, ...rest);
    };

    for (const [name, kind] of [['ack', 'ack'], ['nack', 'nack'], ['reject', 'reject']] as const) {
      const original = ch[name];
      if (typeof original !== 'function') continue;
      ch[name] = function (this: unknown, message: unknown, ...args: unknown[]) {
        if (message !== null && typeof message === 'object') {
          // ack(message, allUpTo); nack(message, allUpTo, requeue); reject(message, requeue)
          if (kind === 'reject') settle(state, message, kind, false, args[0]);
          else settle(state, message, kind, args[0], args[1]);
        }
        return (original as AnyFunction).call(this, message, ...args);
      };
    }
    for (const [name, kind] of [['ackAll', 'ack'], ['nackAll', 'nack']] as const) {
      const original = ch[name];
      if (typeof original !== 'function') continue;
      ch[name] = function (this: unknown, ...args: unknown[]) {
        settle(state, undefined, kind, true, args[0]);
        return (original as AnyFunction).call(this, ...args);
      };
    }
    Object.defineProperty(ch, WRAPPED, { value: true });
  } catch (err) {
    warnOnce('queue.amqp.wrap', `tracing an amqplib channel failed (${describeError(err)}); it works as before, untraced.`);
  }
  return channel;
}
