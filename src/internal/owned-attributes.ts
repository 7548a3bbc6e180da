/**
 * A `SpanOptions` flag by which an instrumentation hands its freshly built `attributes` object
 * over to the tracer: tracelight's tracer then validates, redacts and keeps that very object
 * instead of copying it first (the copy was a tenth of the cost of a server span). Only for
 * objects the caller never reads or writes again. Other tracers ignore the unknown option.
 * @internal
 */
export const ATTRIBUTES_OWNED = Symbol.for('tracelight.attributesOwned');

/** `SpanOptions` as they carry {@link ATTRIBUTES_OWNED}. @internal */
export interface OwnedAttributesFlag {
  [ATTRIBUTES_OWNED]?: true;
}
