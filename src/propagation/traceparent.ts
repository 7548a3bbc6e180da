/**
 * Parsing and formatting of the W3C `traceparent` header value (Trace Context Level 2), by hand
 * over char codes: no regular expressions, no intermediate strings.
 * @module
 */
import type { SpanContext } from '@opentelemetry/api';
import { BYTE_HEX, DASH, HEX_VALUE, isOws } from './chars.js';
import { KNOWN_TRACE_FLAGS, TRACEPARENT_LENGTH } from './constants.js';

/** Hex value of the char at `i`, or -1 when it is not a lowercase hex digit. */
function hexAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c <= 0x66 ? HEX_VALUE[c]! : -1;
}

/**
 * Whether the `length` characters from `from` are lowercase hex digits, not all zero (the spec
 * forbids all-zero trace and parent ids).
 */
function validId(s: string, from: number, length: number): boolean {
  let any = 0;
  for (let i = from, end = from + length; i < end; i++) {
    const c = s.charCodeAt(i);
    const h = c <= 0x66 ? HEX_VALUE[c]! : -1;
    if (h < 0) return false;
    any |= h;
  }
  return any !== 0;
}

/**
 * Parses a `traceparent` value into a remote `SpanContext`, or returns `null` when the
 * value is invalid, so the caller starts a new trace. Never throws.
 *
 * Rules (W3C Trace Context Level 2, "Versioning of traceparent"): optional whitespace around the
 * value is ignored; lowercase hex only; version `ff` is invalid; version `00` is exactly 55
 * characters; a higher version is parsed as `00` and may carry more fields, but only after a
 * `-` at position 55; all-zero trace or parent ids are invalid. Flags other than `sampled` (0x01)
 * and `random` (0x02) are reserved and dropped. Only the first 56 characters after the leading
 * whitespace are examined, whatever the length of the input.
 */
export function parseTraceParent(value: string): SpanContext | null {
  if (typeof value !== 'string') return null;
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  const length = end - start;
  if (length < TRACEPARENT_LENGTH) return null;

  const v1 = hexAt(value, start);
  const v2 = hexAt(value, start + 1);
  if (v1 < 0 || v2 < 0 || (v1 === 15 && v2 === 15)) return null;
  if (value.charCodeAt(start + 2) !== DASH) return null;
  if (length !== TRACEPARENT_LENGTH) {
    // Version 00 has exactly four fields; a future version may add fields after a dash.
    if (v1 === 0 && v2 === 0) return null;
    if (value.charCodeAt(start + TRACEPARENT_LENGTH) !== DASH) return null;
  }
  if (!validId(value, start + 3, 32) || value.charCodeAt(start + 35) !== DASH) return null;
  if (!validId(value, start + 36, 16) || value.charCodeAt(start + 52) !== DASH) return null;
  const f1 = hexAt(value, start + 53);
  const f2 = hexAt(value, start + 54);
  if (f1 < 0 || f2 < 0) return null;

  return {
    traceId: value.slice(start + 3, start + 35),
    spanId: value.slice(start + 36, start + 52),
    traceFlags: f2 & KNOWN_TRACE_FLAGS,
    isRemote: true,
    traceState: undefined,
  };
}

/**
 * The last lowercase trace id found valid: the spans of one trace share it, so a service
 * making several outgoing calls for one request checks it once.
 */
let lastValidTraceId = '';

/**
 * 0 when `id` is not `length` hex digits or is all zero; 1 when valid lowercase; 2 when valid
 * but with uppercase digits (the OpenTelemetry API accepts those, the header does not).
 */
function checkId(id: unknown, length: number): 0 | 1 | 2 {
  if (typeof id !== 'string' || id.length !== length) return 0;
  let any = 0;
  let upper = false;
  for (let i = 0; i < length; i++) {
    let c = id.charCodeAt(i);
    if (c >= 0x41 && c <= 0x46) {
      upper = true;
      c += 0x20;
    }
    const h = c <= 0x66 ? HEX_VALUE[c]! : -1;
    if (h < 0) return 0;
    any |= h;
  }
  if (any === 0) return 0;
  return upper ? 2 : 1;
}

/**
 * Formats a span context as a version-00 `traceparent` value, or returns `''` when the context
 * is not valid (an empty string is never a valid header, so callers can test it). Ids with
 * uppercase hex (valid for the API) are written in lowercase as the header requires; reserved
 * flag bits are written as zero, as the spec requires. Never throws.
 */
export function formatTraceParent(spanContext: SpanContext): string {
  try {
    return format(spanContext);
  } catch {
    return ''; // a throwing getter on a user-made context: write nothing rather than break the call
  }
}

function format(spanContext: SpanContext): string {
  if (spanContext === null || typeof spanContext !== 'object') return '';
  let traceId = spanContext.traceId;
  let spanId = spanContext.spanId;
  if (traceId !== lastValidTraceId) {
    const t = checkId(traceId, 32);
    if (t === 0) return '';
    if (t === 2) traceId = traceId.toLowerCase();
    else lastValidTraceId = traceId;
  }
  const s = checkId(spanId, 16);
  if (s === 0) return '';
  if (s === 2) spanId = spanId.toLowerCase();
  return '00-' + traceId + '-' + spanId + '-' + BYTE_HEX[spanContext.traceFlags & KNOWN_TRACE_FLAGS]!;
}
