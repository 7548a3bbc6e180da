/**
 * Reads an OTLP/JSON `ExportTraceServiceRequest` (already parsed) into the viewer's shapes, with
 * every field checked: ids as hex (base64 ids of the plain protobuf JSON mapping are accepted
 * too), times and int64 values as strings or numbers. Anything else throws {@link BadOtlp}.
 */
import { BadOtlp, MAX_VALUE_DEPTH, emptySpan } from './otlp-model.js';
import type { AnyValue, KeyValue, ResourceSpans, Scope, ScopeSpans, Span, SpanEvent, SpanLink, TracesRequest } from './otlp-model.js';

type Plain = Record<string, unknown>;

function obj(value: unknown, what: string): Plain {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadOtlp(`${what} is not an object`);
  return value as Plain;
}

function list(value: unknown, what: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new BadOtlp(`${what} is not an array`);
  return value;
}

function str(value: unknown, what: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new BadOtlp(`${what} is not a string`);
  return value;
}

function num(value: unknown, what: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  throw new BadOtlp(`${what} is not a number`);
}

/** A uint64/int64 as its decimal string. */
function int64(value: unknown, what: string, signed: boolean): string {
  if (value === undefined || value === null) return '0';
  if (typeof value === 'number' && Number.isInteger(value) && (signed || value >= 0)) return String(value);
  if (typeof value === 'string' && (signed ? /^-?\d{1,20}$/ : /^\d{1,20}$/).test(value)) return BigInt(value).toString();
  throw new BadOtlp(`${what} is not an integer`);
}

/** An id as lowercase hex of `bytes` bytes ('' when absent). */
function id(value: unknown, bytes: number, what: string): string {
  const s = str(value, what);
  if (s === '') return '';
  if (s.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(s)) return s.toLowerCase();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(s)) {
    const raw = Buffer.from(s, 'base64');
    if (raw.length === bytes) return raw.toString('hex');
  }
  throw new BadOtlp(`${what} is not ${bytes * 2} hex digits`);
}

/** Sets `holder[key]` to a non-zero count or non-empty text found in `o` (absent stays absent). */
function optional(holder: object, o: Plain, key: string, kind: 'count' | 'text'): void {
  const v = kind === 'count' ? num(o[key], key) : str(o[key], key);
  if (v !== 0 && v !== '') (holder as Record<string, unknown>)[key] = v;
}

function attributes(value: unknown, what: string, depth: number): KeyValue[] {
  return list(value, what).map((kv) => {
    const o = obj(kv, what);
    return { key: str(o['key'], `${what} key`), value: anyValue(o['value'], `${what} value`, depth + 1) };
  });
}

function anyValue(value: unknown, what: string, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) throw new BadOtlp(`attribute values nested deeper than ${MAX_VALUE_DEPTH}`);
  const v = obj(value, what);
  if ('stringValue' in v) return { stringValue: str(v['stringValue'], what) };
  if ('boolValue' in v) {
    if (typeof v['boolValue'] !== 'boolean') throw new BadOtlp(`${what} boolValue is not a boolean`);
    return { boolValue: v['boolValue'] };
  }
  if ('intValue' in v) return { intValue: int64(v['intValue'], what, true) };
  if ('doubleValue' in v) {
    const d = v['doubleValue'];
    if (typeof d === 'number') return { doubleValue: d };
    if (d === 'NaN' || d === 'Infinity' || d === '-Infinity') return { doubleValue: Number(d) };
    throw new BadOtlp(`${what} doubleValue is not a number`);
  }
  if ('bytesValue' in v) return { bytesValue: str(v['bytesValue'], what) };
  if ('arrayValue' in v) {
    return { arrayValue: { values: list(obj(v['arrayValue'], what)['values'], what).map((x) => anyValue(x, what, depth + 1)) } };
  }
  if ('kvlistValue' in v) return { kvlistValue: { values: attributes(obj(v['kvlistValue'], what)['values'], what, depth) } };
  return {};
}

function scope(value: unknown): Scope {
  const o = obj(value, 'scope');
  const s: Scope = { name: str(o['name'], 'scope.name'), version: str(o['version'], 'scope.version'), attributes: attributes(o['attributes'], 'scope.attributes', 0) };
  optional(s, o, 'droppedAttributesCount', 'count');
  return s;
}

function span(value: unknown): Span {
  const o = obj(value, 'span');
  const s = emptySpan();
  s.traceId = id(o['traceId'], 16, 'traceId');
  s.spanId = id(o['spanId'], 8, 'spanId');
  s.parentSpanId = id(o['parentSpanId'], 8, 'parentSpanId');
  s.traceState = str(o['traceState'], 'traceState');
  s.name = str(o['name'], 'span name');
  s.kind = num(o['kind'], 'kind');
  s.startTimeUnixNano = int64(o['startTimeUnixNano'], 'startTimeUnixNano', false);
  s.endTimeUnixNano = int64(o['endTimeUnixNano'], 'endTimeUnixNano', false);
  s.attributes = attributes(o['attributes'], 'span attributes', 0);
  s.events = list(o['events'], 'events').map((e) => {
    const eo = obj(e, 'event');
    const event: SpanEvent = { timeUnixNano: int64(eo['timeUnixNano'], 'event time', false), name: str(eo['name'], 'event name'), attributes: attributes(eo['attributes'], 'event attributes', 0) };
    optional(event, eo, 'droppedAttributesCount', 'count');
    return event;
  });
  s.links = list(o['links'], 'links').map((l) => {
    const lo = obj(l, 'link');
    const link: SpanLink = {
      traceId: id(lo['traceId'], 16, 'link traceId'),
      spanId: id(lo['spanId'], 8, 'link spanId'),
      traceState: str(lo['traceState'], 'link traceState'),
      attributes: attributes(lo['attributes'], 'link attributes', 0),
    };
    optional(link, lo, 'droppedAttributesCount', 'count');
    optional(link, lo, 'flags', 'count');
    return link;
  });
  const st = obj(o['status'], 'status');
  s.status = { code: num(st['code'], 'status code'), message: str(st['message'], 'status message') };
  s.flags = num(o['flags'], 'flags');
  for (const k of ['droppedAttributesCount', 'droppedEventsCount', 'droppedLinksCount']) optional(s, o, k, 'count');
  return s;
}

/** Reads a parsed OTLP/JSON traces request; throws {@link BadOtlp} when it is not one. */
export function readTracesJson(parsed: unknown): TracesRequest {
  const root = obj(parsed, 'the request');
  const resourceSpans: ResourceSpans[] = list(root['resourceSpans'], 'resourceSpans').map((rs) => {
    const ro = obj(rs, 'resourceSpans[]');
    const resourceObject = obj(ro['resource'], 'resource');
    const out: ResourceSpans = {
      resource: { attributes: attributes(resourceObject['attributes'], 'resource attributes', 0) },
      scopeSpans: list(ro['scopeSpans'], 'scopeSpans').map((ss) => {
        const so = obj(ss, 'scopeSpans[]');
        const scopeSpans: ScopeSpans = { scope: scope(so['scope']), spans: list(so['spans'], 'spans').map(span) };
        optional(scopeSpans, so, 'schemaUrl', 'text');
        return scopeSpans;
      }),
    };
    optional(out.resource, resourceObject, 'droppedAttributesCount', 'count');
    optional(out, ro, 'schemaUrl', 'text');
    return out;
  });
  return { resourceSpans };
}
