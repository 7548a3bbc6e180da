import type {
  Attributes,
  AttributeValue,
  Exception,
  Link,
  Span,
  SpanContext,
  SpanStatus,
  TimeInput,
} from '@opentelemetry/api';

/**
 * The span handed out when the sampler decides not to record (or the provider is shut down). It
 * records nothing but carries a valid span context, so children join the same trace and
 * propagation still sends the unsampled `traceparent` downstream. Cheaper than the API's
 * `NonRecordingSpan` only in that the tracer can trust its ids without re-validating them.
 */
export class LightNonRecordingSpan implements Span {
  private readonly _spanContext: SpanContext;

  /** @internal Created by `LightTracer`. */
  constructor(spanContext: SpanContext) {
    this._spanContext = spanContext;
  }

  spanContext(): SpanContext {
    return this._spanContext;
  }

  setAttribute(_key: string, _value: AttributeValue): this {
    return this;
  }

  setAttributes(_attributes: Attributes): this {
    return this;
  }

  addEvent(_name: string, _attributes?: Attributes | TimeInput, _startTime?: TimeInput): this {
    return this;
  }

  addLink(_link: Link): this {
    return this;
  }

  addLinks(_links: Link[]): this {
    return this;
  }

  setStatus(_status: SpanStatus): this {
    return this;
  }

  updateName(_name: string): this {
    return this;
  }

  end(_endTime?: TimeInput): void {}

  isRecording(): boolean {
    return false;
  }

  recordException(_exception: Exception, _time?: TimeInput): void {}
}
