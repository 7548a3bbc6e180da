import { isSpanContextValid, trace, type Span } from '@opentelemetry/api';

/** The span active in the current context, if any (recording or not). */
export function getActiveSpan(): Span | undefined {
  return trace.getActiveSpan();
}

/** Ids of the active span, for correlating logs or error reports with traces. */
export interface TraceIds {
  traceId: string;
  spanId: string;
}

/** The active span's ids, or `undefined` outside a span (or inside one with an invalid context). */
export function currentTraceIds(): TraceIds | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  if (sc === undefined || !isSpanContextValid(sc)) return undefined;
  return { traceId: sc.traceId, spanId: sc.spanId };
}

/** Log-record fields naming the active span, with the names OpenTelemetry log correlation uses. */
export interface LogTraceFields {
  trace_id?: string;
  span_id?: string;
  /** Two lowercase hex digits, e.g. `01` (sampled) or `03` (sampled, random trace id). */
  trace_flags?: string;
}

const HEX2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/**
 * `{ trace_id, span_id, trace_flags }` of the active span, or `{}` outside a span: plug it into a
 * pino `mixin` or a winston `format` so every log line carries the ids.
 *
 * @example
 * const logger = pino({ mixin: logFields });
 */
export function logFields(): LogTraceFields {
  const sc = trace.getActiveSpan()?.spanContext();
  if (sc === undefined || !isSpanContextValid(sc)) return {};
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: HEX2[sc.traceFlags & 0xff]! };
}
