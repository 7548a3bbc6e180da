import {
  SpanStatusCode,
  TraceFlags,
  type Attributes,
  type AttributeValue,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanKind,
  type SpanStatus,
  type TimeInput,
} from '@opentelemetry/api';
import type { InstrumentationScope } from '../internal/sdk-core.js';
import type { ReadableSpan, Resource, TimedEvent } from '../internal/sdk.js';
import { warnOnce } from '../internal/diag.js';
import { hasOwn, isRecordable, sanitizeAttributes, truncateValue } from './attributes.js';
import {
  durationMsToHrTime,
  hrTimeDuration,
  isTimeInput,
  epochOffsetAt,
  monotonicNow,
  perfToHrTime,
  timeInputToHrTime,
} from './clock.js';
import type { SpanRuntime } from './span-runtime.js';

/** Semantic-convention names of the exception event (stable; inlined to keep imports light). */
const EXCEPTION_EVENT = 'exception';
const ATTR_EXCEPTION_TYPE = 'exception.type';
const ATTR_EXCEPTION_MESSAGE = 'exception.message';
const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';

const UNSET_STATUS: SpanStatus = Object.freeze({ code: SpanStatusCode.UNSET });

// Three `typeof x === '...'` tests, not one `typeof` kept in a variable: V8 turns each into a type
// check, where a stored `typeof` result costs a builtin call.
function isPrimitiveValue(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function warnAfterEnd(operation: string): void {
  warnOnce(
    `span.after-end.${operation}`,
    `${operation}() was called on a span that has already ended and was ignored; call it before end() (reported once).`,
  );
}

/**
 * A recording span: implements the API `Span` for instrumentation and the SDK `ReadableSpan` for
 * span processors and exporters, so the official `BatchSpanProcessor`, `SimpleSpanProcessor` and
 * OTLP exporters take it unchanged.
 *
 * Semantics follow the official `SpanImpl` of `@opentelemetry/sdk-trace` 2.x (limits, dropped
 * counts, oldest-first eviction of events and links, status rules, `recordException`), with three
 * deliberate differences: attributes, the name and the status message go through the provider's
 * redactor, diagnostics are reported once per kind instead of per call, and times are kept as raw
 * monotonic readings until an exporter reads `startTime`/`endTime`/`duration`.
 */
export class LightSpan implements Span, ReadableSpan {
  // Fields are `declare`d and assigned once in the constructor: declared without it, each would
  // be defined as undefined first and then assigned (bench/instructions/span.sh).
  declare name: string;
  declare readonly kind: SpanKind;
  declare readonly parentSpanContext: SpanContext | undefined;
  declare status: SpanStatus;
  declare readonly resource: Resource;
  declare readonly instrumentationScope: InstrumentationScope;

  /** @internal */ declare readonly _spanContext: SpanContext;
  /** @internal */ declare readonly _rt: SpanRuntime;
  /** @internal Counted in the provider's stats (sampled spans only). */ declare readonly _counted: boolean;
  // Allocated on first write or read: most spans never get links or events, and exporters read
  // these off the hot path.
  private declare _attributes: Attributes | undefined;
  private declare _links: Link[] | undefined;
  private declare _events: TimedEvent[] | undefined;
  private declare _ended: boolean;
  private declare _attributesCount: number;
  private declare _droppedAttributesCount: number;
  private declare _droppedEventsCount: number;
  private declare _droppedLinksCount: number;
  /** `performance.now()` at start, or NaN when the caller supplied the start time. */
  private declare readonly _startPerf: number;
  /**
   * Turns this span's `performance.now()` readings into epoch milliseconds: its local parent's,
   * or anchored to `Date.now()` at its start (see clock.ts). @internal
   */
  declare readonly _epochOffset: number;
  private declare _startHr: HrTime | undefined;
  /** `performance.now()` at end, or NaN when not ended or the end time was supplied. */
  private declare _endPerf: number;
  private declare _endHr: HrTime | undefined;
  private declare _durationHr: HrTime | undefined;

  /** @internal Use a `LightTracer`; processors' `onStart` is called by the tracer. */
  constructor(
    rt: SpanRuntime,
    spanContext: SpanContext,
    name: string,
    kind: SpanKind,
    parentSpanContext: SpanContext | undefined,
    startTime: TimeInput | undefined,
    epochOffset?: number,
  ) {
    const now = monotonicNow();
    const offset = epochOffset ?? epochOffsetAt(now);
    const hr = startTime === undefined || startTime === null ? undefined : timeInputToHrTime(startTime, offset);
    // Assigned in the order the fields are declared, which is the order users see them in
    // (`util.inspect`, `Object.keys`).
    // Names are free text that instrumentations build from URLs and messages: value rules apply.
    this.name = rt.redactor === undefined ? name : rt.redactor.redactText(name);
    this.kind = kind;
    this.parentSpanContext = parentSpanContext;
    this.status = UNSET_STATUS;
    this.resource = rt.resource;
    this.instrumentationScope = rt.scope;
    this._spanContext = spanContext;
    this._rt = rt;
    this._counted = (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0;
    this._attributes = undefined;
    this._links = undefined;
    this._events = undefined;
    this._ended = false;
    this._attributesCount = 0;
    this._droppedAttributesCount = 0;
    this._droppedEventsCount = 0;
    this._droppedLinksCount = 0;
    this._startPerf = hr === undefined ? now : NaN;
    this._epochOffset = offset;
    this._startHr = hr;
    this._endPerf = NaN;
    this._endHr = undefined;
    this._durationHr = undefined;
    if (this._counted) rt.counters.started++;
  }

  spanContext(): SpanContext {
    return this._spanContext;
  }

  get attributes(): Attributes {
    return (this._attributes ??= {});
  }

  get links(): Link[] {
    return (this._links ??= []);
  }

  get events(): TimedEvent[] {
    return (this._events ??= []);
  }

  get startTime(): HrTime {
    return (this._startHr ??= perfToHrTime(this._startPerf, this._epochOffset));
  }

  get endTime(): HrTime {
    if (this._endHr !== undefined) return this._endHr;
    if (this._endPerf !== this._endPerf) return [0, 0]; // not ended (NaN), as SpanImpl
    return (this._endHr = perfToHrTime(this._endPerf, this._epochOffset));
  }

  get duration(): HrTime {
    if (this._durationHr !== undefined) return this._durationHr;
    if (!this._ended) return [-1, -1];
    if (this._startPerf === this._startPerf && this._endPerf === this._endPerf) {
      return (this._durationHr = durationMsToHrTime(this._endPerf - this._startPerf));
    }
    return (this._durationHr = hrTimeDuration(this.startTime, this.endTime));
  }

  /**
   * Milliseconds from start to end (or to now, if not ended), without building `HrTime`s:
   * tail sampling asks it of every local root, in `onEnding`, where `duration` is not set yet.
   * @internal
   */
  _elapsedMs(): number {
    const start = this._startPerf;
    const end = this._endPerf === this._endPerf ? this._endPerf : this._ended ? NaN : monotonicNow();
    if (start === start && end === end) return end - start;
    const startHr = this.startTime;
    const endHr = this._ended || this._endHr !== undefined ? this.endTime : perfToHrTime(monotonicNow(), this._epochOffset);
    return (endHr[0] - startHr[0]) * 1e3 + (endHr[1] - startHr[1]) / 1e6;
  }

  get ended(): boolean {
    return this._ended;
  }

  get droppedAttributesCount(): number {
    return this._droppedAttributesCount;
  }

  get droppedEventsCount(): number {
    return this._droppedEventsCount;
  }

  get droppedLinksCount(): number {
    return this._droppedLinksCount;
  }

  isRecording(): boolean {
    return !this._ended;
  }

  setAttribute(key: string, value?: AttributeValue): this {
    if (value == null) return this;
    if (this._ended) {
      warnAfterEnd('setAttribute');
      return this;
    }
    if (isRecordable(key, value)) this._put(key, value);
    return this;
  }

  setAttributes(attributes: Attributes): this {
    if (this._ended) {
      warnAfterEnd('setAttributes');
      return this;
    }
    for (const key in attributes) {
      if (!hasOwn.call(attributes, key)) continue;
      const value = attributes[key];
      if (value == null) continue;
      if (isRecordable(key, value)) this._put(key, value);
    }
    return this;
  }

  /**
   * Takes `attributes`, a fresh sanitized copy that nobody else writes to, as the span's start
   * attributes: null values and entries over the count limit are removed, the rest redacted and
   * truncated in place. Same result as {@link _put} per entry, without storing key by key.
   * @internal
   */
  _adopt(attributes: Attributes): void {
    const rt = this._rt;
    const countLimit = rt.limits.attributeCountLimit;
    const lengthLimit = rt.limits.attributeValueLengthLimit;
    const redactor = rt.redactor;
    let count = 0;
    // A fresh object of the caller's or our own copy: every enumerable key is its own.
    for (const key in attributes) {
      const value = attributes[key];
      // Entries are valid unless a sampler added invalid ones by mutating the object.
      const recordable = value != null && (isPrimitiveValue(value) || isRecordable(key, value));
      if (!recordable || count >= countLimit) {
        if (recordable) this._droppedAttributesCount++;
        delete attributes[key];
        continue;
      }
      count++;
      let recorded = redactor === undefined ? value : redactor.redact(key, value);
      if (lengthLimit !== Infinity) recorded = truncateValue(recorded, lengthLimit);
      if (recorded !== value) attributes[key] = recorded;
    }
    this._attributes = attributes;
    this._attributesCount = count;
  }

  /** Records a validated, non-null value under the count limit, redacted then truncated. @internal */
  _put(key: string, value: AttributeValue): void {
    const attributes = (this._attributes ??= {});
    const isNewKey = !hasOwn.call(attributes, key);
    const rt = this._rt;
    if (isNewKey && this._attributesCount >= rt.limits.attributeCountLimit) {
      this._droppedAttributesCount++;
      return;
    }
    const redactor = rt.redactor;
    attributes[key] = truncateValue(
      redactor === undefined ? value : redactor.redact(key, value),
      rt.limits.attributeValueLengthLimit,
    );
    if (isNewKey) this._attributesCount++;
  }

  addEvent(name: string, attributesOrStartTime?: Attributes | TimeInput, timeStamp?: TimeInput): this {
    if (this._ended) {
      warnAfterEnd('addEvent');
      return this;
    }
    const limits = this._rt.limits;
    if (limits.eventCountLimit === 0) {
      warnOnce('span.no-events', 'an event was dropped because eventCountLimit is 0.');
      this._droppedEventsCount++;
      return this;
    }
    const events = (this._events ??= []);
    if (events.length >= limits.eventCountLimit) {
      events.shift();
      this._droppedEventsCount++;
    }
    if (isTimeInput(attributesOrStartTime)) {
      if (!isTimeInput(timeStamp)) timeStamp = attributesOrStartTime;
      attributesOrStartTime = undefined;
    }
    const { attributes, dropped } = this._limitedAttributes(attributesOrStartTime, limits.attributePerEventCountLimit);
    events.push({ name, attributes, time: this._time(timeStamp), droppedAttributesCount: dropped });
    return this;
  }

  addLink(link: Link): this {
    if (this._ended) {
      warnAfterEnd('addLink');
      return this;
    }
    const limits = this._rt.limits;
    if (limits.linkCountLimit === 0) {
      this._droppedLinksCount++;
      return this;
    }
    const links = (this._links ??= []);
    if (links.length >= limits.linkCountLimit) {
      links.shift();
      this._droppedLinksCount++;
    }
    const { attributes, dropped, count } = this._limitedAttributes(link.attributes, limits.attributePerLinkCountLimit);
    const processed: Link = { context: link.context };
    if (count > 0) processed.attributes = attributes;
    if (dropped > 0) processed.droppedAttributesCount = dropped;
    links.push(processed);
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  setStatus(status: SpanStatus): this {
    if (this._ended) {
      warnAfterEnd('setStatus');
      return this;
    }
    if (status.code === SpanStatusCode.UNSET) return this;
    if (this.status.code === SpanStatusCode.OK) return this;
    const next: SpanStatus = { code: status.code };
    if (status.code === SpanStatusCode.ERROR) {
      if (typeof status.message === 'string') {
        const redactor = this._rt.redactor;
        next.message = redactor === undefined ? status.message : redactor.redactText(status.message);
      }
      else if (status.message != null) {
        warnOnce('span.status-message', 'a non-string status message was dropped; pass a string.');
      }
    }
    this.status = next;
    return this;
  }

  updateName(name: string): this {
    if (this._ended) {
      warnAfterEnd('updateName');
      return this;
    }
    const redactor = this._rt.redactor;
    this.name = redactor === undefined || typeof name !== 'string' ? name : redactor.redactText(name);
    return this;
  }

  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') {
      attributes[ATTR_EXCEPTION_MESSAGE] = exception;
    } else if (exception) {
      if (exception.code) attributes[ATTR_EXCEPTION_TYPE] = exception.code.toString();
      else if (exception.name) attributes[ATTR_EXCEPTION_TYPE] = exception.name;
      if (exception.message) attributes[ATTR_EXCEPTION_MESSAGE] = exception.message;
      if (exception.stack) attributes[ATTR_EXCEPTION_STACKTRACE] = exception.stack;
    }
    if (attributes[ATTR_EXCEPTION_TYPE] || attributes[ATTR_EXCEPTION_MESSAGE]) {
      this.addEvent(EXCEPTION_EVENT, attributes, time);
    } else {
      warnOnce('span.bad-exception', 'recordException() got a value with neither a name/code nor a message; nothing was recorded.');
    }
  }

  end(endTime?: TimeInput): void {
    if (this._ended) {
      warnOnce('span.end-twice', 'end() was called more than once on a span; only the first call counts (reported once).');
      return;
    }
    const rt = this._rt;
    if (endTime == null && this._startPerf === this._startPerf) {
      this._endPerf = monotonicNow();
    } else {
      this._endHr =
        endTime == null
          ? perfToHrTime(monotonicNow(), this._epochOffset)
          : (timeInputToHrTime(endTime, this._epochOffset) ?? perfToHrTime(monotonicNow(), this._epochOffset));
      const duration = hrTimeDuration(this.startTime, this._endHr);
      if (duration[0] < 0) {
        warnOnce('span.end-before-start', 'a span ended before it started; its duration was set to 0.');
        this._endHr = this.startTime.slice() as HrTime;
        this._durationHr = [0, 0];
      } else {
        this._durationHr = duration;
      }
    }
    if (this._droppedEventsCount > 0 || this._droppedLinksCount > 0) {
      warnOnce('span.dropped', 'some span events or links were dropped because eventCountLimit/linkCountLimit was reached.');
    }
    rt.processors.onEnding(this);
    this._ended = true;
    if (this._counted) rt.counters.ended++;
    if (rt.watcher !== undefined) rt.watcher.remove(this);
    rt.processors.onEnd(this);
  }

  /** Time of an event: the given input, else now on the span clock. */
  private _time(input: TimeInput | undefined): HrTime {
    if (input !== undefined) {
      const hr = timeInputToHrTime(input, this._epochOffset);
      if (hr !== undefined) return hr;
    }
    return perfToHrTime(monotonicNow(), this._epochOffset);
  }

  /** Sanitizes, counts against `limit`, redacts and truncates event or link attributes. */
  private _limitedAttributes(
    input: unknown,
    limit: number,
  ): { attributes: Attributes; dropped: number; count: number } {
    const sanitized = sanitizeAttributes(input);
    const attributes: Attributes = {};
    const rt = this._rt;
    const redactor = rt.redactor;
    const lengthLimit = rt.limits.attributeValueLengthLimit;
    let dropped = 0;
    let count = 0;
    for (const key in sanitized) {
      if (!hasOwn.call(sanitized, key)) continue;
      if (count >= limit) {
        dropped++;
        continue;
      }
      let value = sanitized[key];
      if (value != null && redactor !== undefined) value = redactor.redact(key, value);
      attributes[key] = value == null ? value : truncateValue(value, lengthLimit);
      count++;
    }
    return { attributes, dropped, count };
  }
}
