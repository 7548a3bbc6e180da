/**
 * One trace in the compact form the page reads (`GET /api/trace?id=`): a third of the OTLP/JSON
 * size and quicker to parse, so a 10,000-span trace opens fast. Attribute values are text;
 * `GET /v1/traces?traceId=` stays the faithful OTLP/JSON export.
 */
import type { KeyValue, Resource, Scope } from './otlp-model.js';
import type { StoredSpan } from './store.js';
import { valueText } from './store.js';

/**
 * A span as an array: spanId, parentSpanId, name, kind, start and end (ms since the epoch),
 * status code, status message, resource index, scope index, attributes as [key, text, ...],
 * events (OTLP/JSON, or 0), links (OTLP/JSON, or 0).
 */
export type CompactSpan = [string, string, string, number, number, number, number, string, number, number, string[], unknown, unknown];

/** The page's form of one trace. */
export interface CompactTrace {
  traceId: string;
  resources: Array<Array<[string, string]>>;
  scopes: Array<{ name: string; version: string }>;
  spans: CompactSpan[];
}

function flat(list: KeyValue[]): string[] {
  const out: string[] = [];
  for (const kv of list) out.push(kv.key, valueText(kv.value));
  return out;
}

/** The compact form of these spans of one trace. */
export function compactTrace(traceId: string, spans: Iterable<StoredSpan>): CompactTrace {
  const resources = new Map<Resource, number>();
  const scopes = new Map<Scope, number>();
  const out: CompactSpan[] = [];
  for (const s of spans) {
    let r = resources.get(s.resource);
    if (r === undefined) resources.set(s.resource, (r = resources.size));
    let sc = scopes.get(s.scope);
    if (sc === undefined) scopes.set(s.scope, (sc = scopes.size));
    const p = s.span;
    out.push([p.spanId, p.parentSpanId, p.name, p.kind, s.startMs, s.endMs, p.status.code, p.status.message, r, sc, flat(p.attributes), p.events.length > 0 ? p.events : 0, p.links.length > 0 ? p.links : 0]);
  }
  return {
    traceId,
    resources: [...resources.keys()].map((res) => res.attributes.map((kv) => [kv.key, valueText(kv.value)] as [string, string])),
    scopes: [...scopes.keys()].map((sc) => ({ name: sc.name, version: sc.version })),
    spans: out,
  };
}
