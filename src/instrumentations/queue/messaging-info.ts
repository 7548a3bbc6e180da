import type { Attributes } from '@opentelemetry/api';

/**
 * What a queue span says about a message, in the terms of the OpenTelemetry messaging semantic
 * conventions. Only `system` and `destination` are required.
 */
export interface MessagingInfo {
  /** `messaging.system`: `rabbitmq`, `nats`, `kafka`, `aws_sqs`, … */
  system: string;
  /** `messaging.destination.name`: the queue, topic, exchange or subject. */
  destination: string;
  /** `messaging.operation.name`; default `publish` for {@link tracePublish}, `process` for {@link traceConsume}. */
  operation?: string;
  /** `messaging.message.id`. */
  messageId?: string;
  /** `messaging.message.conversation_id` (a correlation id). */
  conversationId?: string;
  /** `messaging.message.body.size`, in bytes. */
  bodySize?: number;
  /** More attributes, e.g. `messaging.rabbitmq.destination.routing_key`. */
  attributes?: Attributes;
}

/** `messaging.operation.type` values of the conventions that tracelight's spans use. */
export type MessagingOperationType = 'send' | 'process';

/**
 * Destinations whose names are made per connection or per request: the conventions ask span
 * names not to carry them (a name per request ruins search and cost in every backend).
 */
function isTemporary(destination: string): boolean {
  return destination.startsWith('_INBOX.') || destination.startsWith('amq.gen-') || destination.startsWith('amq.rabbitmq.reply-to');
}

/** `{operation} {destination}`, with temporary destinations as `(temporary)`. @internal */
export function spanName(operation: string, destination: string): string {
  return operation + ' ' + (destination === '' ? '(default)' : isTemporary(destination) ? '(temporary)' : destination);
}

/** The span attributes of `info`; never throws (hostile values are skipped). @internal */
export function messagingAttributes(info: MessagingInfo, type: MessagingOperationType, operation: string): Attributes {
  const attributes: Attributes = {};
  const extra = info.attributes;
  if (extra !== undefined && extra !== null && typeof extra === 'object') Object.assign(attributes, extra);
  attributes['messaging.system'] = info.system;
  attributes['messaging.destination.name'] = info.destination;
  attributes['messaging.operation.type'] = type;
  attributes['messaging.operation.name'] = operation;
  if (isTemporary(info.destination)) attributes['messaging.destination.temporary'] = true;
  if (typeof info.messageId === 'string' && info.messageId !== '') attributes['messaging.message.id'] = info.messageId;
  if (typeof info.conversationId === 'string' && info.conversationId !== '') {
    attributes['messaging.message.conversation_id'] = info.conversationId;
  }
  if (typeof info.bodySize === 'number' && Number.isFinite(info.bodySize) && info.bodySize >= 0) {
    attributes['messaging.message.body.size'] = info.bodySize;
  }
  return attributes;
}

/**
 * `info` read once into a plain object with string `system` and `destination`, or `undefined`
 * when it is not usable (then the message goes through untraced). Getters and Proxies that throw
 * count as unusable. @internal
 */
export function readInfo(info: unknown): MessagingInfo | undefined {
  try {
    if (info === null || typeof info !== 'object') return undefined;
    const i = info as MessagingInfo;
    const system = i.system;
    const destination = i.destination;
    if (typeof system !== 'string' || typeof destination !== 'string') return undefined;
    return {
      system,
      destination,
      operation: typeof i.operation === 'string' && i.operation !== '' ? i.operation : undefined,
      messageId: i.messageId,
      conversationId: i.conversationId,
      bodySize: i.bodySize,
      attributes: i.attributes,
    };
  } catch {
    return undefined;
  }
}
