/**
 * The OTLP/JSON shapes the viewer works in (ids in lowercase hex, times as decimal strings of
 * nanoseconds, `AnyValue` as in the OTLP JSON encoding). Both decoders produce them, the store
 * keeps them, and `GET /v1/traces` returns them.
 */

/** OTLP `AnyValue` in its JSON encoding. */
export type AnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: string }
  | { doubleValue: number }
  | { bytesValue: string }
  | { arrayValue: { values: AnyValue[] } }
  | { kvlistValue: { values: KeyValue[] } }
  | Record<string, never>;

/** OTLP `KeyValue`. */
export interface KeyValue {
  key: string;
  value: AnyValue;
}

/** OTLP `Resource` (or instrumentation scope attributes holder). */
export interface Resource {
  attributes: KeyValue[];
  droppedAttributesCount?: number;
}

/** OTLP `InstrumentationScope`. */
export interface Scope {
  name: string;
  version: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
}

/** OTLP `Span.Event`. */
export interface SpanEvent {
  timeUnixNano: string;
  name: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
}

/** OTLP `Span.Link`. */
export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

/** OTLP `Span`. */
export interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  traceState: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  events: SpanEvent[];
  links: SpanLink[];
  status: { code: number; message: string };
  flags: number;
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  droppedLinksCount?: number;
}

/** OTLP `ScopeSpans`. */
export interface ScopeSpans {
  scope: Scope;
  spans: Span[];
  schemaUrl?: string;
}

/** OTLP `ResourceSpans`. */
export interface ResourceSpans {
  resource: Resource;
  scopeSpans: ScopeSpans[];
  schemaUrl?: string;
}

/** OTLP `ExportTraceServiceRequest`. */
export interface TracesRequest {
  resourceSpans: ResourceSpans[];
}

/** A body that is not a valid OTLP traces request; answered 400 with this message. */
export class BadOtlp extends Error {}

/** Deepest `AnyValue` nesting accepted (arrays and key-value lists in values). */
export const MAX_VALUE_DEPTH = 16;

/** An empty span, fields at their proto3 defaults. */
export function emptySpan(): Span {
  return {
    traceId: '',
    spanId: '',
    parentSpanId: '',
    traceState: '',
    name: '',
    kind: 0,
    startTimeUnixNano: '0',
    endTimeUnixNano: '0',
    attributes: [],
    events: [],
    links: [],
    status: { code: 0, message: '' },
    flags: 0,
  };
}
