import { isSpanContextValid, trace } from '@opentelemetry/api';
import { BYTE_HEX } from '../propagation/chars.js';

/** Log-record fields naming the active span, with the names OpenTelemetry log correlation uses. */
export interface LogTraceFields {
  /** The active span's trace id: 32 lowercase hex digits. */
  trace_id?: string;
  /** The active span's id: 16 lowercase hex digits. */
  span_id?: string;
  /** Two lowercase hex digits, e.g. `01` (sampled) or `03` (sampled, random trace id). */
  trace_flags?: string;
}


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
  return { trace_id: sc.traceId, span_id: sc.spanId, trace_flags: BYTE_HEX[sc.traceFlags & 0xff]! };
}
